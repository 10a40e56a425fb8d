package assets

import _ "embed"

// OpenAPI is the OpenAPI 3.0.3 document of the JSON API, served at
// GET /api/v1/openapi.json. It is written by hand; handlers'
// TestOpenAPIMatchesRoutes keeps it in step with the route table and every
// handler and end-to-end test checks its requests and answers against it
// (package internal/apitest). CONTRIBUTING.md says how to add a route.
//
//go:embed openapi.json
var OpenAPI []byte
