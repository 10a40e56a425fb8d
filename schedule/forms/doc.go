// Package forms renders studyroll's printed forms — the member appraisal
// (个人学习考核表), the group summary (各支部学习情况汇总表, PDF and XLSX) and
// the sign-in sheet (学习签到表) — as pure functions of plain Go structs.
//
// The package knows nothing of the store or HTTP: callers map their data into
// the input structs (appraisal.go, summary.go, signin.go …). Every renderer is safe to call concurrently. All
// user text (names, titles, notes, report text) is printed literally, never
// interpreted; over-long text is wrapped and truncated with "…" so the layout
// never breaks.
//
// Files by subject: options.go (Options, languages), period.go, rate.go,
// policy.go (grades, weights, the default policy), labels.go (printed
// words), one file per form, render.go (page layout), fonts.go.
package forms
