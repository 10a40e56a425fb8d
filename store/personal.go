package store

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PersonalData is everything studyroll holds about one member as a person
// (PIPL art. 45, the right to a copy): their account, attendance with its
// sessions, leave requests, exam scores, learning reports with their
// evaluations, self-study done, and the appraisal files made for them.
// Read in one transaction, so the parts agree.
type PersonalData struct {
	Member          Member            `json:"member"`
	Group           string            `json:"group,omitempty"`
	Attendance      []PersonalSession `json:"attendance"`
	Leave           []LeaveRequest    `json:"leave_requests"`
	Scores          []PersonalScore   `json:"scores"`
	LearningReports []LearningReport  `json:"learning_reports"`
	SelfStudyDone   map[string]string `json:"self_study_done"` // item id → RFC 3339
	Appraisals      []ReportFile      `json:"appraisals"`
	ExportedAt      time.Time         `json:"exported_at"`
}

// PersonalSession is one attendance record with the session it is for.
type PersonalSession struct {
	SessionID string     `json:"session_id"`
	Title     string     `json:"title"`
	StartsAt  time.Time  `json:"starts_at"`
	Record    Attendance `json:"record"`
}

// PersonalScore is one exam score with its exam.
type PersonalScore struct {
	Exam  string  `json:"exam"`
	Held  string  `json:"held_on"`
	Score float64 `json:"score"`
	Max   float64 `json:"max_score"`
}

// PersonalData collects memberID's data.
func (s *Store) PersonalData(memberID string) (*PersonalData, error) {
	key, ok := idKey(memberID)
	if !ok {
		return nil, NotFound("member", memberID)
	}
	out := &PersonalData{Attendance: []PersonalSession{}, Leave: []LeaveRequest{}, Scores: []PersonalScore{},
		LearningReports: []LearningReport{}, SelfStudyDone: map[string]string{}, Appraisals: []ReportFile{}, ExportedAt: s.now().UTC()}
	err := s.view(func(tx *bolt.Tx) error {
		m, err := getMember(tx, memberID)
		if err != nil {
			return err
		}
		out.Member = *m
		if m.GroupID != "" {
			var g Group
			if found, err := getJSON(tx.Bucket(bucketGroups), keyOrZero(m.GroupID), &g); err == nil && found {
				out.Group = g.Name
			}
		}
		// Attendance and leave are keyed session (8 bytes) + member.
		if err := tx.Bucket(bucketAttendance).ForEach(func(k, v []byte) error {
			if len(k) != 16 || !bytes.Equal(k[8:], key) {
				return nil
			}
			a, err := decodeAttendanceTx(tx, k, v)
			if err != nil {
				return err
			}
			ps := PersonalSession{SessionID: keyID(k[:8]), Record: *a}
			var sess Session
			if found, err := getJSON(tx.Bucket(bucketSessions), k[:8], &sess); err == nil && found {
				ps.Title, ps.StartsAt = sess.Title, sess.StartsAt
			}
			out.Attendance = append(out.Attendance, ps)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketLeave).ForEach(func(k, v []byte) error {
			if len(k) != 16 || !bytes.Equal(k[8:], key) {
				return nil
			}
			lr, err := decodeLeave(tx, v)
			if err != nil {
				return err
			}
			out.Leave = append(out.Leave, lr)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketScores).ForEach(func(k, v []byte) error {
			if len(k) != 16 || !bytes.Equal(k[8:], key) {
				return nil
			}
			sc, err := decodeScore(k, v)
			if err != nil {
				return err
			}
			ps := PersonalScore{Score: sc.Score}
			if e, err := getExam(tx, keyID(k[:8])); err == nil {
				ps.Exam, ps.Held, ps.Max = e.Title, e.HeldOn, e.MaxScore
			}
			out.Scores = append(out.Scores, ps)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketReports).ForEach(func(k, v []byte) error {
			var r LearningReport
			if err := decodeReport(tx, v, &r); err != nil {
				return err
			}
			if r.MemberID == memberID {
				out.LearningReports = append(out.LearningReports, r)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketFiles).ForEach(func(k, v []byte) error {
			var f ReportFile
			if err := json.Unmarshal(v, &f); err != nil {
				return nil // not a file record
			}
			if f.SubjectID == memberID && (f.Kind == ReportMemberPDF || f.Kind == ReportMemberPDFEn) {
				out.Appraisals = append(out.Appraisals, f)
			}
			return nil
		}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	done, err := s.ItemsDone(memberID)
	if err != nil {
		return nil, err
	}
	for id, at := range done {
		out.SelfStudyDone[id] = at.UTC().Format(time.RFC3339)
	}
	sort.Slice(out.Attendance, func(i, j int) bool { return out.Attendance[i].StartsAt.Before(out.Attendance[j].StartsAt) })
	sort.Slice(out.Scores, func(i, j int) bool { return out.Scores[i].Held < out.Scores[j].Held })
	sort.Slice(out.Appraisals, func(i, j int) bool { return out.Appraisals[i].Path < out.Appraisals[j].Path })
	return out, nil
}
