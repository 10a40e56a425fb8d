package schedule

import (
	"testing"

	"studyroll/internal/testorg"
)

// unaudited collects the store functions that changed a test's store
// without an audit entry (each test store is watched where it is made).
var unaudited testorg.Unaudited

// TestMain runs the schedule tests, then fails the run if jobs made a write
// without an audit entry that store.AuditExempt does not name.
func TestMain(m *testing.M) { unaudited.Main(m) }
