package store

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// The robot kinds: the group robots of the three messaging products.
const (
	RobotWeCom    = "wecom"    // 企业微信 / 政务微信 group robot: the key is in the URL
	RobotDingTalk = "dingtalk" // 钉钉 custom robot: signed in the query
	RobotFeishu   = "feishu"   // 飞书 custom bot: signed in the body
)

// The message formats a robot sends.
const (
	FormatMarkdown = "markdown"
	FormatText     = "text"
)

// Robot is a group's chat robot (群机器人): where the group's reminders go.
// The address and the signing secret are credentials: they are stored, and
// never shown again; URL is the address with its credential parts masked.
type Robot struct {
	ID      string   `json:"id"`
	GroupID string   `json:"group_id"`
	Kind    string   `json:"kind"`
	Name    string   `json:"name,omitempty"`
	URL     string   `json:"url"` // masked
	Events  []string `json:"events"`
	// Signed says the robot's messages are signed with the secret
	// (DingTalk 加签, Feishu 签名校验); HasSecret whether one is stored.
	Signed    bool      `json:"signed"`
	HasSecret bool      `json:"has_secret"`
	Format    string    `json:"format"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// robotRecord is what the robots bucket holds: the robot and its
// credentials. Only RobotTarget hands the credentials out, to the sender.
type robotRecord struct {
	Robot
	RawURL string `json:"raw_url"`
	Secret string `json:"secret,omitempty"`
}

func (r *robotRecord) public() Robot {
	out := r.Robot
	out.URL = MaskURL(r.RawURL)
	out.HasSecret = r.Secret != ""
	out.Events = append([]string{}, r.Events...)
	return out
}

// RobotTarget is what the sender needs to deliver to a robot.
type RobotTarget struct {
	ID, GroupID, Kind string
	URL, Secret       string
	Signed            bool
	Format            string
	Enabled           bool
}

// RobotInput is the body of POST /groups/{id}/robots and, with its fields
// optional, of PATCH /robots/{id}.
type RobotInput struct {
	Kind    string    `json:"kind"`
	Name    *string   `json:"name"`
	URL     *string   `json:"url"`
	Secret  *string   `json:"secret"`
	Events  *[]string `json:"events"`
	Signed  *bool     `json:"signed"`
	Format  *string   `json:"format"`
	Enabled *bool     `json:"enabled"`
}

// maxRobotsPerGroup bounds a group's robots (WeCom allows 10 per chat).
const maxRobotsPerGroup = 20

// apply checks in and writes it over r; create says every required field
// must be there.
func (in *RobotInput) apply(r *robotRecord, create bool) error {
	fe := FieldErrors{}
	if create {
		switch in.Kind {
		case RobotWeCom, RobotDingTalk, RobotFeishu:
			r.Kind = in.Kind
		default:
			fe.Add("kind", "one of wecom, dingtalk, feishu")
		}
		r.Signed = r.Kind != RobotWeCom // DingTalk and Feishu robots sign by default
		r.Format = FormatMarkdown
		r.Enabled = true
		r.Events = append([]string{}, SubscribableEvents...)
	} else if in.Kind != "" && in.Kind != r.Kind {
		fe.Add("kind", "a robot's kind cannot change: add a new robot")
	}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if utf8.RuneCountInString(n) > 60 || strings.ContainsFunc(n, isControl) {
			fe.Add("name", "at most 60 characters, no control characters")
		}
		r.Name = n
	}
	if in.URL != nil {
		r.RawURL = strings.TrimSpace(*in.URL)
	}
	if in.URL != nil || create {
		if why := checkRobotURL(r.RawURL); why != "" {
			fe.Add("url", why)
		}
	}
	if in.Secret != nil {
		s := strings.TrimSpace(*in.Secret)
		if len(s) > 200 || strings.ContainsFunc(s, isControl) {
			fe.Add("secret", "at most 200 characters, no control characters")
		}
		r.Secret = s
	}
	if in.Signed != nil {
		r.Signed = *in.Signed
	}
	if r.Kind == RobotWeCom && r.Signed {
		fe.Add("signed", "WeCom group robots are not signed: the key in the URL is the credential")
	}
	if r.Signed && r.Secret == "" && r.Kind != "" {
		fe.Add("secret", "required: this robot signs its messages (加签 / 签名校验); give the secret shown in the robot's security settings, or \"signed\": false")
	}
	if in.Events != nil {
		evs, bad := normaliseEvents(*in.Events)
		if bad != "" {
			fe.Add("events", bad)
		}
		r.Events = evs
	}
	if in.Format != nil {
		switch *in.Format {
		case FormatMarkdown, FormatText:
			r.Format = *in.Format
		default:
			fe.Add("format", "markdown or text")
		}
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	return fe.Err()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkRobotURL returns why u cannot be a robot's address, "" when it can.
func checkRobotURL(u string) string {
	if u == "" {
		return "required: the robot's webhook address"
	}
	if len(u) > 1000 {
		return "too long"
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Opaque != "" {
		return "an http:// or https:// address like https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
	}
	if p.User != nil {
		return "must not carry a user name or password"
	}
	if p.Fragment != "" {
		return "must not have a #fragment"
	}
	return ""
}

// normaliseEvents checks a subscription list: known events, each once.
func normaliseEvents(in []string) ([]string, string) {
	seen := map[string]bool{}
	out := []string{}
	for _, e := range in {
		if !isSubscribable(e) {
			return nil, "unknown event " + quoteID(e) + ": want " + strings.Join(SubscribableEvents, ", ")
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return eventOrder(out[i]) < eventOrder(out[j]) })
	return out, ""
}

// MaskURL hides the credential parts of a robot address: query values and
// the last path segment keep their last four characters.
func MaskURL(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		return "…"
	}
	mask := func(s string) string {
		r := []rune(s)
		if len(r) <= 4 {
			return "****"
		}
		return "****" + string(r[len(r)-4:])
	}
	q := p.Query()
	for k, vs := range q {
		for i := range vs {
			vs[i] = mask(vs[i])
		}
		q[k] = vs
	}
	path := p.Path
	if i := strings.LastIndex(path, "/"); i >= 0 && len(path)-i > 12 {
		path = path[:i+1] + mask(path[i+1:])
	}
	out := p.Scheme + "://" + p.Host + path
	if len(q) > 0 {
		dec, _ := url.QueryUnescape(q.Encode())
		out += "?" + dec
	}
	return out
}

// managedRobotTx loads robot id and checks that by may manage it, inside
// the caller's transaction.
func managedRobotTx(tx *bolt.Tx, by *Member, id string) (*robotRecord, *Tree, error) {
	rec, err := getRobot(tx, id)
	if err != nil {
		return nil, nil, err
	}
	t, err := loadTree(tx)
	if err != nil {
		return nil, nil, err
	}
	return rec, t, manageCheck(t, by, rec.GroupID, "robots")
}

func getRobot(tx *bolt.Tx, id string) (*robotRecord, error) {
	return getByID[robotRecord](tx.Bucket(bucketRobots), "robot", id)
}

// CreateRobot adds a robot to group g for by (an admin, or a lead over g,
// checked in the same transaction).
func (s *Store) CreateRobot(ctx context.Context, by *Member, g string, in RobotInput) (*Robot, error) {
	var out Robot
	err := s.update(func(tx *bolt.Tx) error {
		_, err := managedGroupTx(tx, by, g, "robots and reminders")
		if err != nil {
			return err
		}
		rec := &robotRecord{}
		if err := in.apply(rec, true); err != nil {
			return err
		}
		n := 0
		_ = tx.Bucket(bucketRobots).ForEach(func(k, v []byte) error {
			var r Robot
			if json.Unmarshal(v, &r) == nil && r.GroupID == g {
				n++
			}
			return nil
		})
		if n >= maxRobotsPerGroup {
			return Conflict("too_many_robots", "a group has at most %d robots", maxRobotsPerGroup)
		}
		id, key, err := nextID(tx.Bucket(bucketRobots))
		if err != nil {
			return err
		}
		now := s.now().UTC()
		rec.ID, rec.GroupID, rec.CreatedAt, rec.UpdatedAt, rec.CreatedBy = id, g, now, now, ActorFrom(ctx)
		if err := putJSON(tx.Bucket(bucketRobots), key, rec); err != nil {
			return err
		}
		out = rec.public()
		return s.audit(ctx, tx, "create", "robot", id, nil, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateRobot changes a robot's address, secret, events, format or
// switch. Messages still queued for it are retried at once: the change
// may be what they waited for.
func (s *Store) UpdateRobot(ctx context.Context, by *Member, id string, in RobotInput) (*Robot, error) {
	var out Robot
	err := s.update(func(tx *bolt.Tx) error {
		rec, _, err := managedRobotTx(tx, by, id)
		if err != nil {
			return err
		}
		before := rec.public()
		if err := in.apply(rec, false); err != nil {
			return err
		}
		rec.UpdatedAt = s.now().UTC()
		if err := putJSON(tx.Bucket(bucketRobots), keyOrZero(id), rec); err != nil {
			return err
		}
		if err := s.retryRobotNow(tx, id); err != nil {
			return err
		}
		out = rec.public()
		return s.audit(ctx, tx, "update", "robot", id, &before, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRobot removes a robot; its queued messages fail with the reason.
func (s *Store) DeleteRobot(ctx context.Context, by *Member, id string) error {
	return s.update(func(tx *bolt.Tx) error {
		rec, _, err := managedRobotTx(tx, by, id)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRobots).Delete(keyOrZero(id)); err != nil {
			return err
		}
		if err := s.failRobotMessages(tx, id, "the robot was removed"); err != nil {
			return err
		}
		before := rec.public()
		return s.audit(ctx, tx, "delete", "robot", id, &before, nil)
	})
}

// Robot returns one robot, for by (admin or a lead over its group).
func (s *Store) Robot(by *Member, id string) (*Robot, error) {
	var out Robot
	err := s.view(func(tx *bolt.Tx) error {
		rec, _, err := managedRobotTx(tx, by, id)
		if err != nil {
			return err
		}
		out = rec.public()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GroupRobots lists group g's robots, for by (admin or a lead over g).
func (s *Store) GroupRobots(by *Member, g string) ([]Robot, error) {
	out := []Robot{}
	err := s.view(func(tx *bolt.Tx) error {
		_, err := managedGroupTx(tx, by, g, "robots and reminders")
		if err != nil {
			return err
		}
		return tx.Bucket(bucketRobots).ForEach(func(k, v []byte) error {
			var r robotRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.GroupID == g {
				out = append(out, r.public())
			}
			return nil
		})
	})
	return out, err
}

// RobotTarget returns a robot with its credentials, for the sender only.
func (s *Store) RobotTarget(id string) (*RobotTarget, error) {
	var out RobotTarget
	err := s.view(func(tx *bolt.Tx) error {
		rec, err := getRobot(tx, id)
		if err != nil {
			return err
		}
		out = RobotTarget{ID: rec.ID, GroupID: rec.GroupID, Kind: rec.Kind, URL: rec.RawURL, Secret: rec.Secret,
			Signed: rec.Signed, Format: rec.Format, Enabled: rec.Enabled}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ReminderSettings are a group's choices about its reminders.
type ReminderSettings struct {
	GroupID string `json:"group_id"`
	// NameAbsentees lets the attendance message and the weekly digest
	// name people; by default they give counts only.
	NameAbsentees bool `json:"name_absentees"`
}

// ReminderSettingsInput is the body of PUT /groups/{id}/reminders.
type ReminderSettingsInput struct {
	NameAbsentees bool `json:"name_absentees"`
}

// Validate accepts any value: the one field is a boolean.
func (in *ReminderSettingsInput) Validate() error { return nil }

func reminderSettings(tx *bolt.Tx, g string) ReminderSettings {
	rs := ReminderSettings{GroupID: g}
	_, _ = getJSON(tx.Bucket(bucketReminderSettings), keyOrZero(g), &rs)
	rs.GroupID = g
	return rs
}

// ReminderSettings returns group g's settings, for by (admin or lead over g).
func (s *Store) ReminderSettings(by *Member, g string) (*ReminderSettings, error) {
	var out ReminderSettings
	err := s.view(func(tx *bolt.Tx) error {
		_, err := managedGroupTx(tx, by, g, "robots and reminders")
		if err != nil {
			return err
		}
		out = reminderSettings(tx, g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetReminderSettings stores group g's settings, for by (admin or lead over g).
func (s *Store) SetReminderSettings(ctx context.Context, by *Member, g string, in ReminderSettingsInput) (*ReminderSettings, error) {
	var out ReminderSettings
	err := s.update(func(tx *bolt.Tx) error {
		_, err := managedGroupTx(tx, by, g, "robots and reminders")
		if err != nil {
			return err
		}
		before := reminderSettings(tx, g)
		out = ReminderSettings{GroupID: g, NameAbsentees: in.NameAbsentees}
		if err := putJSON(tx.Bucket(bucketReminderSettings), keyOrZero(g), &out); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "reminder_settings", g, &before, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
