// Package apiclient is a Go client of the studyroll API generated from its
// OpenAPI document (assets/openapi.json) by oapi-codegen, the version
// pinned as a tool in go.mod. It proves that the document makes a working
// client: TestScenario logs in, creates a session, checks in and reads the
// rates through it, and TestGeneratedClientUpToDate fails when
// client.gen.go is not what the document gives today.
//
// Only tests import it. After changing assets/openapi.json, regenerate:
//
//	go generate ./internal/apiclient
package apiclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../assets/openapi.json
