package forms

import "fmt"

// Rate is a numerator over a denominator, e.g. attended / required sessions.
// A zero denominator is a null rate ("none required"), never 100%.
type Rate struct {
	Num int64
	Den int64
}

// Null reports whether the rate has nothing required.
func (r Rate) Null() bool { return r.Den <= 0 }

// Value is Num/Den unrounded; ok is false for a null rate.
func (r Rate) Value() (v float64, ok bool) {
	if r.Null() {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// BelowTarget reports whether a non-null rate is under 100%.
func (r Rate) BelowTarget() bool { return !r.Null() && r.Num < r.Den }

// Percent formats the rate with one decimal, rounding half up: "95.0%".
// A null rate gives "".
func (r Rate) Percent() string {
	if r.Null() {
		return ""
	}
	num, den := r.Num, r.Den
	neg := num < 0
	if neg {
		num = -num
	}
	// tenths of a percent, half up, in integers (no float rounding surprises)
	t := (num*2000 + den) / (2 * den)
	s := fmt.Sprintf("%d.%d%%", t/10, t%10)
	if neg && t != 0 {
		s = "-" + s
	}
	return s
}

// Add sums two rates the way group rates are built: numerators over
// denominators, not an average of rates.
func (r Rate) Add(o Rate) Rate {
	return Rate{Num: r.Num + o.Num, Den: r.Den + o.Den}
}
