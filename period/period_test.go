package period

import (
	"encoding/json"
	"testing"
	"time"
)

// TestJSONIsYearAndQuarter: the printed forms hash their data as JSON,
// and those hashes were made when forms had a period of Year and Quarter
// only; the zone's Start and End must not enter them.
func TestJSONIsYearAndQuarter(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	p, err := Parse("2023Q3", loc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	if string(b) != `{"Year":2023,"Quarter":3}` {
		t.Errorf("JSON %s", b)
	}
	if f, l := p.Bounds(); f.Format(DateLayout) != "2023-07-01" || l.Format(DateLayout) != "2023-09-30" || p.LastDate() != "2023-09-30" {
		t.Errorf("bounds %v %v, last %s", f, l, p.LastDate())
	}
	y, _ := Parse("2023", loc)
	if !y.Annual() || p.Annual() || len(y.Quarters()) != 4 || y.Quarters()[2] != p {
		t.Errorf("year %+v quarters %v", y, y.Quarters())
	}
}
