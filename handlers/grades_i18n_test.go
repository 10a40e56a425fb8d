package handlers

import (
	"testing"

	"studyroll/store"
)

// TestGradeLabelsFromPolicy: the web's Chinese grade names (grade.CODE for
// a quarter, grade.annual_CODE for a year) are the default policy's labels;
// store.DefaultPolicy is their one source.
func TestGradeLabelsFromPolicy(t *testing.T) {
	zh := pagesReadI18n(t, "zh")
	def := store.DefaultPolicy()
	for _, code := range store.Grades {
		if got, want := zh["grade."+code], def.Labels.Quarterly[code]; got != want {
			t.Errorf("zh.json grade.%s = %q, the default policy says %q", code, got, want)
		}
		if got, want := zh["grade.annual_"+code], def.Labels.Annual[code]; got != want {
			t.Errorf("zh.json grade.annual_%s = %q, the default policy says %q", code, got, want)
		}
	}
}
