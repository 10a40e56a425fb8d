package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// The privacy notice (个人信息处理规则告知) shown at an account's first
// login, and the erasure retention: "privacy" in --config.

// bucketPrivacy maps a member id (8 bytes) to its acceptance of the
// privacy notice.
var bucketPrivacy = []byte("privacy_acceptances")

func init() { allBuckets = append(allBuckets, bucketPrivacy) }

// DefaultPrivacyNotice is the notice shown when the config names none.
const DefaultPrivacyNotice = `个人信息处理告知
本系统由本单位用于组织学习的考勤、学习计划、学习报告与考试的记录和统计。为此处理您的以下个人信息：姓名、账号、所在组织与职务、考勤与请假记录（含请假事由）、学习报告与评价、考试成绩。
请假事由、考勤备注和评价意见在存储中加密保存；只有您本人、您所在组织的负责人和授权的管理人员可以查看。
您可以在“我的”页面下载本人的全部数据。账号注销满规定的保存期限后，您的姓名、账号和文字内容将被删除，统计数字以化名保留。
如有疑问，请联系本单位的系统管理员。`

// PrivacyPolicy is "privacy" in --config.
type PrivacyPolicy struct {
	// EraseAfterYears is how long after a closed account's last locked
	// period (or its left_on, if later) its personal fields are erased.
	EraseAfterYears int
	// Notice is the privacy notice each account accepts once.
	Notice string
}

// DefaultPrivacyPolicy: erase after 5 years, the Chinese default notice.
func DefaultPrivacyPolicy() PrivacyPolicy {
	return PrivacyPolicy{EraseAfterYears: 5, Notice: DefaultPrivacyNotice}
}

// maxNotice is the longest notice accepted, in characters.
const maxNotice = 20000

// Validate checks the settings; each problem names its config key.
func (pp PrivacyPolicy) Validate() error {
	var probs []string
	if pp.EraseAfterYears < 1 || pp.EraseAfterYears > 100 {
		probs = append(probs, fmt.Sprintf("privacy.erase_after_years: a whole number of years from 1 to 100 (got %d)", pp.EraseAfterYears))
	}
	if strings.TrimSpace(pp.Notice) == "" || utf8.RuneCountInString(pp.Notice) > maxNotice || !utf8.ValidString(pp.Notice) {
		probs = append(probs, fmt.Sprintf("privacy.notice: the notice text, 1 to %d characters", maxNotice))
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

// SetPrivacyPolicy puts pp in force.
func (s *Store) SetPrivacyPolicy(pp PrivacyPolicy) error {
	if err := pp.Validate(); err != nil {
		return err
	}
	s.privacy.Store(&pp)
	return nil
}

// PrivacyPolicy is the policy in force.
func (s *Store) PrivacyPolicy() PrivacyPolicy {
	if p := s.privacy.Load(); p != nil {
		return *p
	}
	return DefaultPrivacyPolicy()
}

// PrivacyNotice is the answer of GET /privacy-notice: the notice in force,
// its version (the first 16 hex digits of its SHA-256: a new text asks
// everyone again) and when the caller accepted it (nil: not yet).
type PrivacyNotice struct {
	Version    string     `json:"version"`
	Text       string     `json:"text"`
	AcceptedAt *time.Time `json:"accepted_at"`
}

// PrivacyAcceptInput is the body of POST /privacy-notice/accept.
type PrivacyAcceptInput struct {
	Version string `json:"version"`
}

// Validate checks the input without touching the store.
func (in *PrivacyAcceptInput) Validate() error {
	if strings.TrimSpace(in.Version) == "" {
		return Invalid(map[string]string{"version": "required: the version of the notice shown"})
	}
	return nil
}

type privacyAcceptance struct {
	Version    string    `json:"version"`
	AcceptedAt time.Time `json:"accepted_at"`
}

func noticeVersion(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

// PrivacyNoticeFor is the notice in force with memberID's acceptance of
// this version.
func (s *Store) PrivacyNoticeFor(memberID string) (*PrivacyNotice, error) {
	text := s.PrivacyPolicy().Notice
	n := &PrivacyNotice{Version: noticeVersion(text), Text: text}
	err := s.view(func(tx *bolt.Tx) error {
		var a privacyAcceptance
		found, err := getJSON(tx.Bucket(bucketPrivacy), keyOrZero(memberID), &a)
		if err == nil && found && a.Version == n.Version {
			t := a.AcceptedAt
			n.AcceptedAt = &t
		}
		return err
	})
	return n, err
}

// AcceptPrivacyNotice records that memberID accepted the notice of
// version (409 privacy_version when it is not the one in force), audited
// as a security event. Accepting again changes nothing.
func (s *Store) AcceptPrivacyNotice(ctx context.Context, memberID string, in PrivacyAcceptInput) (*PrivacyNotice, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	text := s.PrivacyPolicy().Notice
	v := noticeVersion(text)
	if strings.TrimSpace(in.Version) != v {
		return nil, Conflict("privacy_version", "the privacy notice has changed (now version %s): read it again", v)
	}
	n := &PrivacyNotice{Version: v, Text: text}
	err := s.update(func(tx *bolt.Tx) error {
		if _, err := getMember(tx, memberID); err != nil {
			return err
		}
		b := tx.Bucket(bucketPrivacy)
		var a privacyAcceptance
		if found, err := getJSON(b, keyOrZero(memberID), &a); err != nil {
			return err
		} else if found && a.Version == v {
			n.AcceptedAt = &a.AcceptedAt
			return nil
		}
		a = privacyAcceptance{Version: v, AcceptedAt: s.now().UTC()}
		if err := putJSON(b, keyOrZero(memberID), &a); err != nil {
			return err
		}
		n.AcceptedAt = &a.AcceptedAt
		return s.audit(ctx, tx, "accept_privacy_notice", "security", memberID, nil, &a)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}
