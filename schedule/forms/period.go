package forms

import (
	"fmt"

	"studyroll/period"
)

// Period is the appraisal period (package period): forms read its Year and
// Quarter only.
type Period = period.Period

// PeriodLabel is the printed name of p: "2023年第三季度" / "2023年度" in
// Chinese, "Q3 2023" / "Year 2023" in English.
func PeriodLabel(p Period, lang string) string {
	l := labelTables[normLang(lang)]
	if p.Annual() {
		if normLang(lang) == "en" {
			return fmt.Sprintf("%s %d", l["year"], p.Year)
		}
		return fmt.Sprintf("%d%s", p.Year, l["year"])
	}
	q := l[fmt.Sprintf("q%d", p.Quarter)]
	if q == "" {
		q = fmt.Sprintf("Q%d", p.Quarter)
	}
	if normLang(lang) == "en" {
		return fmt.Sprintf("%s %d", q, p.Year)
	}
	return fmt.Sprintf("%d年%s", p.Year, q)
}
