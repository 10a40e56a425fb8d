package store

import (
	"encoding/json"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDropCaches: after DropCaches the rates, one member's rates and the
// 四落实 rate are worked out again and equal what they were.
func TestDropCaches(t *testing.T) {
	dir := t.TempDir()
	info, err := BuildSynthetic(dir, 60, 40, SyntheticOptions{GroupSize: 20, BranchesPerDepartment: 2, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, _ := ParsePeriod(info.Period, s.loc)
	figures := func() string {
		org, err := s.Rates(p, "", DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		one, err := s.MemberRates(p, info.MemberIDs[5], DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		four, err := s.FourRate(p, "")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal([]any{org.Members, org.Participation, one.Members, four})
		return string(data)
	}
	before := figures()
	s.DropCaches()
	if s.ratesCache().ix != nil {
		t.Error("the rates index is still kept")
	}
	if after := figures(); after != before {
		t.Errorf("after DropCaches:\n%s\nbefore:\n%s", after, before)
	}
	s.DropCaches()
	figures() // the 四落实 cache takes entries again after a drop
}
