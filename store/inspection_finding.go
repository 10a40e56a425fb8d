package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Finding states (整改).
const (
	FindingOpen       = "open"
	FindingInProgress = "in_progress"
	FindingSubmitted  = "submitted"
	FindingClosed     = "closed" // 销号
	FindingReturned   = "returned"
	// FindingOverdue is not stored: a filter and a flag for findings past
	// their deadline and not closed.
	FindingOverdue = "overdue"
)

// Severities of a finding.
const (
	SeverityMinor   = "minor"   // 一般
	SeveritySerious = "serious" // 较重
	SeverityGrave   = "grave"   // 严重
)

// DefaultFindingCategories is the category list until configured.
var DefaultFindingCategories = []string{"学习制度落实", "考勤登记", "述学评学考学", "三会一课", "思想认识", "氛围营造", "其他"}

// findingCategories is the configured category list (nil: the default).
var findingCategories atomic.Pointer[[]string]

// ValidFindingCategories checks a configured category list: at least one,
// none empty or repeated, each at most 50 characters.
func ValidFindingCategories(cats []string) error {
	if len(cats) == 0 {
		return fmt.Errorf("finding_categories: at least one category")
	}
	seen := map[string]bool{}
	for _, c := range cats {
		if strings.TrimSpace(c) == "" || seen[c] || len([]rune(c)) > 50 {
			return fmt.Errorf("finding_categories: empty, repeated or over-long category %q", c)
		}
		seen[c] = true
	}
	return nil
}

// SetFindingCategories configures the categories a finding may take (from
// --config "finding_categories"); nil restores the default.
func SetFindingCategories(cats []string) error {
	if cats == nil {
		findingCategories.Store(nil)
		return nil
	}
	if err := ValidFindingCategories(cats); err != nil {
		return err
	}
	cp := slices.Clone(cats)
	findingCategories.Store(&cp)
	return nil
}

// FindingCategories returns the categories in force, in their order.
func FindingCategories() []string {
	if p := findingCategories.Load(); p != nil {
		return *p
	}
	return DefaultFindingCategories
}

// RectificationDueDays is how many days before its deadline an open
// finding warns the responsible member's lead.
const RectificationDueDays = 3

// MaxEvidenceBytes is the largest evidence file (10 MiB).
const MaxEvidenceBytes = 10 << 20

// Finding is one problem an inspection found (问题) and its rectification
// (整改): who answers for it, the measures, the deadline and its state.
type Finding struct {
	ID            string          `json:"id"`
	InspectionID  string          `json:"inspection_id"`
	GroupID       string          `json:"group_id"`
	Category      string          `json:"category"`
	Description   string          `json:"description"`
	Severity      string          `json:"severity"`
	ResponsibleID string          `json:"responsible_id"`
	Measures      string          `json:"measures"`
	Deadline      string          `json:"deadline"`
	State         string          `json:"state"`
	Overdue       bool            `json:"overdue"`
	EvidenceText  string          `json:"evidence_text,omitempty"`
	Evidence      []EvidenceFile  `json:"evidence"`
	ClosedOn      string          `json:"closed_on,omitempty"`
	ClosedBy      string          `json:"closed_by,omitempty"`
	VerifyNote    string          `json:"verify_note,omitempty"`
	History       []FindingChange `json:"history"`
	CreatedAt     time.Time       `json:"created_at"`
	CreatedBy     string          `json:"created_by"`
}

// FindingChange is one state change of a finding.
type FindingChange struct {
	From string    `json:"from,omitempty"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note,omitempty"`
}

// EvidenceFile is one file uploaded as rectification evidence; its bytes are
// in the store (so backups carry them).
type EvidenceFile struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

// overdue reports whether f is past its deadline on today and not closed.
func (f *Finding) overdue(today string) bool {
	return f.State != FindingClosed && f.Deadline != "" && f.Deadline < today
}

// FindingInput is the body of POST /inspections/{id}/findings.
type FindingInput struct {
	GroupID       string `json:"group_id"`
	Category      string `json:"category"`
	Description   string `json:"description"`
	Severity      string `json:"severity"`
	ResponsibleID string `json:"responsible_id"`
	Measures      string `json:"measures"`
	Deadline      string `json:"deadline"`
}

// Validate checks the input without the store.
func (in *FindingInput) Validate() error {
	fe := FieldErrors{}
	if in.GroupID == "" {
		fe.Add("group_id", "required")
	}
	in.Category = strings.TrimSpace(in.Category)
	if !slices.Contains(FindingCategories(), in.Category) {
		fe.Add("category", "one of "+strings.Join(FindingCategories(), ", "))
	}
	vetText(fe, "description", in.Description, 4000, true)
	if in.Severity == "" {
		in.Severity = SeverityMinor
	}
	if in.Severity != SeverityMinor && in.Severity != SeveritySerious && in.Severity != SeverityGrave {
		fe.Add("severity", "one of minor (一般), serious (较重), grave (严重)")
	}
	if in.ResponsibleID == "" {
		fe.Add("responsible_id", "required")
	}
	vetText(fe, "measures", in.Measures, 4000, false)
	if !ValidDate(in.Deadline) {
		fe.Add("deadline", "a date YYYY-MM-DD")
	}
	return fe.Err()
}

func findingKey(id string) ([]byte, bool) { return idKey(id) }

func getFinding(tx *bolt.Tx, id string) (*Finding, []byte, error) {
	key, ok := findingKey(id)
	if !ok {
		return nil, nil, NotFound("finding", id)
	}
	v, err := getByKey[Finding](tx.Bucket(bucketFindings), key, "finding", id)
	if err != nil {
		return nil, nil, err
	}
	return v, key, nil
}

// CreateFinding records a problem. Its group must lie inside the
// inspection's targets (422) and the responsible member must be an active
// member of that group's subtree.
func (s *Store) CreateFinding(ctx context.Context, inspectionID string, in FindingInput) (*Finding, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Finding
	err := s.update(func(tx *bolt.Tx) error {
		ins, by, t, err := s.inspectionForWrite(ctx, tx, inspectionID)
		if err != nil {
			return err
		}
		fe := FieldErrors{}
		if _, ok := t.Group(in.GroupID); !ok {
			fe.Add("group_id", fmt.Sprintf("no group %q", in.GroupID))
		} else if !ins.covers(t, in.GroupID) {
			fe.Add("group_id", "outside the inspection's target groups")
		}
		if m, err := getMember(tx, in.ResponsibleID); err != nil {
			fe.Add("responsible_id", fmt.Sprintf("no member %q", in.ResponsibleID))
		} else if _, ok := fe["group_id"]; !ok && (m.GroupID == "" || !t.Covers(in.GroupID, m.GroupID)) {
			fe.Add("responsible_id", fmt.Sprintf("%s is not a member of the finding's group", m.Name))
		} else if !m.ActiveOn(s.Today()) {
			fe.Add("responsible_id", fmt.Sprintf("%s is no longer on the roster", m.Name))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketFindings)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		out = &Finding{ID: id, InspectionID: inspectionID, GroupID: in.GroupID, Category: in.Category, Description: in.Description,
			Severity: in.Severity, ResponsibleID: in.ResponsibleID, Measures: in.Measures, Deadline: in.Deadline,
			State: FindingOpen, Evidence: []EvidenceFile{}, CreatedAt: now, CreatedBy: by.ID,
			History: []FindingChange{{To: FindingOpen, At: now, By: by.ID}}}
		if err := putJSON(b, key, out); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "finding", id, nil, out)
	})
	if out != nil {
		out.Overdue = out.overdue(s.Today())
	}
	return out, err
}

// ProgressFinding moves a finding to in_progress or submitted (with the
// note as evidence text). Allowed: open, returned → in_progress; open,
// in_progress, returned → submitted (with a note or an evidence file).
func (s *Store) ProgressFinding(ctx context.Context, id, state, note string) (*Finding, error) {
	fe := FieldErrors{}
	if state != FindingInProgress && state != FindingSubmitted {
		fe.Add("state", "in_progress or submitted")
	}
	vetText(fe, "note", note, 20000, false)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return s.changeFinding(ctx, id, func(t *Tree, by *Member, f *Finding) error {
		if !mayRectify(t, by, f) {
			return Forbidden("only the responsible member or a lead over the group moves finding %s", f.ID)
		}
		switch {
		case state == FindingInProgress && (f.State == FindingOpen || f.State == FindingReturned):
		case state == FindingSubmitted && (f.State == FindingOpen || f.State == FindingInProgress || f.State == FindingReturned):
			if strings.TrimSpace(note) == "" && len(f.Evidence) == 0 {
				return Invalid(map[string]string{"note": "describe the rectification or upload an evidence file before submitting"})
			}
			if strings.TrimSpace(note) != "" {
				f.EvidenceText = note
			}
		default:
			return Conflict("bad_transition", "a finding that is %s cannot become %s", f.State, state)
		}
		f.State = state
		return nil
	}, note)
}

// CloseFinding closes (销号) a submitted finding after verification; the
// note is required. A finding never submitted → 409 not_submitted.
func (s *Store) CloseFinding(ctx context.Context, id, note string) (*Finding, error) {
	return s.verifyFinding(ctx, id, note, FindingClosed)
}

// ReturnFinding sends a submitted finding back for more work.
func (s *Store) ReturnFinding(ctx context.Context, id, note string) (*Finding, error) {
	return s.verifyFinding(ctx, id, note, FindingReturned)
}

func (s *Store) verifyFinding(ctx context.Context, id, note, to string) (*Finding, error) {
	fe := FieldErrors{}
	vetText(fe, "note", note, 20000, true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return s.changeFinding(ctx, id, func(t *Tree, by *Member, f *Finding) error {
		if !mayInspect(by.Role) {
			return Forbidden("only an inspector, hr or admin verifies a rectification")
		}
		if f.State != FindingSubmitted {
			if f.State == FindingClosed {
				return Conflict("already_closed", "finding %s is already closed", f.ID)
			}
			return Conflict("not_submitted", "finding %s is %s: only a submitted rectification can be verified", f.ID, f.State)
		}
		f.State = to
		if to == FindingClosed {
			f.ClosedOn, f.ClosedBy, f.VerifyNote = s.Today(), by.ID, note
		}
		return nil
	}, note)
}

// changeFinding applies change to finding id in one transaction, appends
// the history entry and audits the state change.
func (s *Store) changeFinding(ctx context.Context, id string, change func(t *Tree, by *Member, f *Finding) error, note string) (*Finding, error) {
	var out *Finding
	err := s.update(func(tx *bolt.Tx) error {
		f, key, err := getFinding(tx, id)
		if err != nil {
			return err
		}
		by, err := actorMember(ctx, tx)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		before := f.State
		if err := change(t, by, f); err != nil {
			return err
		}
		f.History = append(f.History, FindingChange{From: before, To: f.State, At: s.now().UTC(), By: by.ID, Note: note})
		if err := putJSON(tx.Bucket(bucketFindings), key, f); err != nil {
			return err
		}
		out = f
		return s.audit(ctx, tx, "state", "finding", id, map[string]string{"state": before}, map[string]string{"state": f.State, "note": note})
	})
	if out != nil {
		out.Overdue = out.overdue(s.Today())
	}
	return out, err
}

// SniffEvidence returns the content type of an evidence file by its first
// bytes: image/jpeg, image/png or application/pdf; "" for anything else.
func SniffEvidence(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	}
	return ""
}

// AddEvidence stores an evidence file for a finding that is not closed:
// JPEG, PNG or PDF by content (else 415), at most MaxEvidenceBytes (else
// 413); nothing is stored on refusal.
func (s *Store) AddEvidence(ctx context.Context, findingID, name string, data []byte) (*EvidenceFile, error) {
	if len(data) > MaxEvidenceBytes {
		return nil, Errorf(KindTooLarge, "too_large", "evidence file over %d bytes (10 MB)", MaxEvidenceBytes)
	}
	ct := SniffEvidence(data)
	if ct == "" {
		return nil, Errorf(KindUnsupported, "unsupported_media_type", "evidence must be a JPEG, PNG or PDF file (checked by content)")
	}
	name = cleanFileName(name)
	var out *EvidenceFile
	err := s.update(func(tx *bolt.Tx) error {
		f, key, err := getFinding(tx, findingID)
		if err != nil {
			return err
		}
		by, err := actorMember(ctx, tx)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		if !mayRectify(t, by, f) {
			return Forbidden("only the responsible member or a lead over the group adds evidence to finding %s", f.ID)
		}
		if f.State == FindingClosed || f.State == FindingSubmitted {
			return Conflict("bad_transition", "finding %s is %s: evidence is added while it is being rectified", f.ID, f.State)
		}
		eb := tx.Bucket(bucketEvidence)
		seq, err := eb.NextSequence()
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out = &EvidenceFile{ID: fmt.Sprint(seq), Name: name, ContentType: ct, Size: len(data), SHA256: hex.EncodeToString(sum[:]), At: s.now().UTC(), By: by.ID}
		if err := eb.Put(pairKey(key, itob(seq)), data); err != nil {
			return err
		}
		f.Evidence = append(f.Evidence, *out)
		if err := putJSON(tx.Bucket(bucketFindings), key, f); err != nil {
			return err
		}
		return s.audit(ctx, tx, "evidence", "finding", findingID, nil, out)
	})
	return out, err
}

func cleanFileName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if name == "" {
		name = "evidence"
	}
	return name
}

// Evidence returns one evidence file's record and bytes.
func (s *Store) Evidence(findingID, fileID string) (*Finding, *EvidenceFile, []byte, error) {
	var f *Finding
	var ef *EvidenceFile
	var data []byte
	err := s.view(func(tx *bolt.Tx) error {
		var key []byte
		var err error
		if f, key, err = getFinding(tx, findingID); err != nil {
			return err
		}
		for i := range f.Evidence {
			if f.Evidence[i].ID == fileID {
				ef = &f.Evidence[i]
			}
		}
		fk, ok := idKey(fileID)
		if ef == nil || !ok {
			return NotFound("evidence file", fileID)
		}
		data = copyBytes(tx.Bucket(bucketEvidence).Get(pairKey(key, fk)))
		return nil
	})
	return f, ef, data, err
}

// Finding returns one finding.
func (s *Store) Finding(id string) (*Finding, error) {
	var f *Finding
	err := s.view(func(tx *bolt.Tx) (err error) {
		f, _, err = getFinding(tx, id)
		return err
	})
	if f != nil {
		f.Overdue = f.overdue(s.Today())
	}
	return f, err
}

// FindingFilter selects findings; zero fields do not filter.
type FindingFilter struct {
	InspectionID string
	GroupID      string // the group's subtree
	State        string // a state, or "overdue"
	Responsible  string
	// Visible, when set, keeps only what the caller may see.
	Visible func(t *Tree, f *Finding) bool
}

// Findings lists findings in ledger order: inspection, then the finding's
// group in tree order, then id.
func (s *Store) Findings(ff FindingFilter) ([]Finding, error) {
	out := []Finding{}
	today := s.Today()
	var t *Tree
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		if t, err = loadTree(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketFindings).ForEach(func(k, v []byte) error {
			var f Finding
			if err := json.Unmarshal(v, &f); err != nil {
				return err
			}
			f.Overdue = f.overdue(today)
			switch {
			case ff.InspectionID != "" && f.InspectionID != ff.InspectionID,
				ff.GroupID != "" && !t.Covers(ff.GroupID, f.GroupID),
				ff.State == FindingOverdue && !f.Overdue,
				ff.State != "" && ff.State != FindingOverdue && f.State != ff.State,
				ff.Responsible != "" && f.ResponsibleID != ff.Responsible,
				ff.Visible != nil && !ff.Visible(t, &f):
				return nil
			}
			out = append(out, f)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sortFindings(t, out)
	return out, nil
}

func sortFindings(t *Tree, fs []Finding) {
	ids := make([]string, 0, len(fs))
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.GroupID] {
			seen[f.GroupID] = true
			ids = append(ids, f.GroupID)
		}
	}
	sortByTree(t, ids)
	pos := map[string]int{}
	for i, id := range ids {
		pos[id] = i
	}
	num := func(id string) uint64 { return btoi(keyOrZero(id)) }
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.InspectionID != b.InspectionID {
			return num(a.InspectionID) < num(b.InspectionID)
		}
		if pos[a.GroupID] != pos[b.GroupID] {
			return pos[a.GroupID] < pos[b.GroupID]
		}
		return num(a.ID) < num(b.ID)
	})
}

// FindingsByDeadline lists the findings not closed whose deadline is on or
// before until (YYYY-MM-DD), earliest deadline first: the hook for
// rectification reminders (due in RectificationDueDays days, overdue).
func (s *Store) FindingsByDeadline(until string) ([]Finding, error) {
	fs, err := s.Findings(FindingFilter{})
	if err != nil {
		return nil, err
	}
	out := []Finding{}
	for _, f := range fs {
		if f.State != FindingClosed && f.Deadline <= until {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Deadline < out[j].Deadline })
	return out, nil
}

// Warning kinds of rectification, raised for the responsible member (their
// lead sees them in GET /warnings).
const (
	// WarnRectificationDue: a finding not closed is due within
	// RectificationDueDays days.
	WarnRectificationDue = "rectification_due"
	// WarnRectificationOverdue: a finding is past its deadline, not closed.
	WarnRectificationOverdue = "rectification_overdue"
)

// rectificationWarnings lists the rectification warnings of the members in
// group's subtree ("" everyone) when period p holds today.
func (s *Store) rectificationWarnings(tx *bolt.Tx, p Period, group string) ([]Warning, error) {
	now := s.now()
	if !p.Contains(now) {
		return nil, nil
	}
	today := s.Today()
	soon := now.In(s.loc).AddDate(0, 0, RectificationDueDays).Format(DateLayout)
	t, err := loadTree(tx)
	if err != nil {
		return nil, err
	}
	ms, err := memberIndex(tx)
	if err != nil {
		return nil, err
	}
	var out []Warning
	err = tx.Bucket(bucketFindings).ForEach(func(k, v []byte) error {
		var f Finding
		if err := json.Unmarshal(v, &f); err != nil {
			return err
		}
		m, ok := ms[f.ResponsibleID]
		if f.State == FindingClosed || !ok || (group != "" && (m.GroupID == "" || !t.Covers(group, m.GroupID))) {
			return nil
		}
		w := Warning{MemberID: m.ID, Name: m.Name, GroupID: m.GroupID, From: f.Deadline}
		switch {
		case f.Deadline < today:
			w.Kind = WarnRectificationOverdue
			w.Detail = fmt.Sprintf("rectification of finding %s (%s) was due %s and is %s", f.ID, f.Category, f.Deadline, f.State)
		case f.Deadline <= soon:
			w.Kind = WarnRectificationDue
			w.Detail = fmt.Sprintf("rectification of finding %s (%s) is due %s and is %s", f.ID, f.Category, f.Deadline, f.State)
		default:
			return nil
		}
		out = append(out, w)
		return nil
	})
	return out, err
}
