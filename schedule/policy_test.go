package schedule

import (
	"reflect"
	"testing"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// TestDefaultPolicyOneSource: the forms' default policy (used when a form
// is drawn without one) is the store's default policy as the forms print
// it — weights, bands, the excellent grade's 100% participation, the grade
// codes and their Chinese labels; store.DefaultPolicy is the one source.
func TestDefaultPolicyOneSource(t *testing.T) {
	for _, name := range []string{"2023Q3", "2023"} {
		p, err := store.ParsePeriod(name, store.DefaultLocation())
		if err != nil {
			t.Fatal(err)
		}
		got, want := forms.DefaultPolicy(p, "zh"), formsPolicy(store.DefaultPolicy(), p, "zh")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: forms.DefaultPolicy %+v,\nthe store's %+v", name, got, want)
		}
	}
	if [4]string{forms.GradeExcellent, forms.GradeGood, forms.GradePass, forms.GradeFail} != [4]string(store.Grades) {
		t.Errorf("grade codes: forms %v, store %v", []string{forms.GradeExcellent, forms.GradeGood, forms.GradePass, forms.GradeFail}, store.Grades)
	}
}
