package main

import "studyroll/internal/bench"

// callJSON is the bench's API call (one request, optional bearer token and
// JSON body, the answer decoded into out; an error for 3xx and above).
var callJSON = bench.CallJSON
