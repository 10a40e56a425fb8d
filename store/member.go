package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// Role is what a member may do: see the role table in docs/API.md.
type Role string

// The roles.
const (
	RoleMember Role = "member" // own records
	RoleLead   Role = "lead"   // their group's subtree
	RoleHR     Role = "hr"     // read everything, reports
	RoleAdmin  Role = "admin"  // everything
	// RoleInspector (督查组成员) reads everything organisation-wide and
	// writes inspections; it leads no group and evaluates nobody.
	RoleInspector Role = "inspector"
)

// RoleNames lists the roles as the API spells them, for error messages.
const RoleNames = "member, lead, hr, admin, inspector, sysadmin, secadmin, auditor"

// Valid reports whether r is one of the roles: member, lead, hr, admin,
// inspector and the three administrator roles of the level3 profile.
func (r Role) Valid() bool {
	return r == RoleMember || r == RoleLead || r == RoleHR || r == RoleAdmin || r == RoleInspector ||
		r == RoleSysAdmin || r == RoleSecAdmin || r == RoleAuditor
}

// ReadsAll reports whether r reads every record of the organisation:
// hr, admin and inspector. The one place that says so.
func (r Role) ReadsAll() bool {
	return r == RoleHR || r == RoleAdmin || r == RoleInspector
}

// Member is a person on the roster (党员、干部). The password hash lives in its
// own bucket and never leaves the store.
type Member struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	GroupID  string `json:"group_id,omitempty"`
	Role     Role   `json:"role"`
	JoinedOn string `json:"joined_on"`
	LeftOn   string `json:"left_on,omitempty"`
	// Title is the member's post (职务), e.g. 副处长; printed on the forms.
	Title string `json:"title,omitempty"`
	// Position is the member's place in the roster of their group (1
	// first; 0 = none, after those with one, by pinyin). See docs/ORDER.md.
	Position int `json:"position,omitempty"`
	// ErasedOn is the day the account's personal fields were erased
	// (erasure.go); its name is then a pseudonym.
	ErasedOn string `json:"erased_on,omitempty"`
}

// ActiveOn reports whether the member was on the roster on date d
// (joined_on ≤ d and no left_on or left_on > d).
func (m *Member) ActiveOn(d string) bool {
	return m.JoinedOn <= d && (m.LeftOn == "" || m.LeftOn > d)
}

// MemberInput is the body of POST /members.
type MemberInput struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
	GroupID  string `json:"group_id"`
	Role     Role   `json:"role"`
	JoinedOn string `json:"joined_on"`
	Title    string `json:"title,omitempty"`
	Position int    `json:"position,omitempty"`
	// Roles may name the role as a list; more than one is refused.
	Roles []Role `json:"roles,omitempty"`
}

// MemberPatch is the body of PATCH /members/{id}; nil fields stay.
type MemberPatch struct {
	Name     *string `json:"name"`
	GroupID  *string `json:"group_id"`
	Role     *Role   `json:"role"`
	LeftOn   *string `json:"left_on"`
	Password *string `json:"password"`
	Title    *string `json:"title"`
	Position *int    `json:"position"`
	Roles    []Role  `json:"roles,omitempty"`
	// EffectiveOn dates a group_id or role change (today when nil): the
	// membership history records it from that day (membership.go).
	EffectiveOn *string `json:"effective_on"`
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

func validName(fe FieldErrors, field, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		fe.Add(field, "required")
	case utf8.RuneCountInString(name) > 100:
		fe.Add(field, "at most 100 characters")
	case strings.IndexFunc(name, invisibleRune) >= 0:
		fe.Add(field, "must not contain control, invisible or direction-changing characters")
	}
}

func validTitle(fe FieldErrors, t string) {
	switch {
	case utf8.RuneCountInString(t) > 50:
		fe.Add("title", "at most 50 characters")
	case strings.IndexFunc(t, invisibleRune) >= 0:
		fe.Add("title", "must not contain control, invisible or direction-changing characters")
	}
}

func validPassword(fe FieldErrors, p string) {
	if utf8.RuneCountInString(p) < MinPasswordLen {
		fe.Add("password", "at least 8 characters")
	} else if len(p) > MaxPasswordBytes {
		fe.Add("password", "at most 72 bytes")
	}
}

// Validate checks the input without touching the store.
func (in *MemberInput) Validate() error {
	fe := FieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	validName(fe, "name", in.Name)
	in.Username = validUsername(fe, in.Username)
	validPassword(fe, in.Password)
	r, serr := parseRoles(in.Role, in.Roles)
	if serr != nil {
		return serr
	}
	in.Role, in.Roles = r, nil
	if in.Role == "" {
		in.Role = RoleMember
	}
	if !in.Role.Valid() {
		fe.Add("role", "one of "+RoleNames)
	}
	if in.GroupID == "" && (in.Role == RoleMember || in.Role == RoleLead) {
		fe.Add("group_id", "required for members and leads")
	}
	if in.JoinedOn != "" && !ValidDate(in.JoinedOn) {
		fe.Add("joined_on", "a date YYYY-MM-DD")
	}
	in.Title = strings.TrimSpace(in.Title)
	validTitle(fe, in.Title)
	if in.Position < 0 {
		fe.Add("position", "0 (none) or more")
	}
	return fe.Err()
}

func (s *Store) hash(password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), s.cost)
}

// CreateMember adds an account. A taken username is a conflict.
func (s *Store) CreateMember(ctx context.Context, in MemberInput) (*Member, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.JoinedOn == "" {
		in.JoinedOn = s.Today()
	}
	hash, err := s.hash(in.Password)
	if err != nil {
		return nil, err
	}
	var m *Member
	err = s.update(func(tx *bolt.Tx) error {
		if err := s.checkPasswordPolicy(tx, "", in.Username, in.Password); err != nil {
			return err
		}
		var err error
		m, err = s.createMember(ctx, tx, in, hash)
		return err
	})
	return m, err
}

func (s *Store) createMember(ctx context.Context, tx *bolt.Tx, in MemberInput, hash []byte) (*Member, error) {
	if in.GroupID != "" {
		if tx.Bucket(bucketGroups).Get(keyOrZero(in.GroupID)) == nil {
			return nil, Invalid(map[string]string{"group_id": "no such group"})
		}
	}
	if err := s.checkRole(tx, in.Role); err != nil {
		return nil, err
	}
	un := tx.Bucket(bucketUsernames)
	lower := []byte(strings.ToLower(in.Username))
	if un.Get(lower) != nil {
		return nil, Conflict("duplicate_username", "username %q is taken", in.Username)
	}
	b := tx.Bucket(bucketMembers)
	id, key, err := nextID(b)
	if err != nil {
		return nil, err
	}
	m := &Member{ID: id, Name: in.Name, Username: in.Username, GroupID: in.GroupID, Role: in.Role, JoinedOn: in.JoinedOn,
		Title: in.Title, Position: in.Position}
	if err := putJSON(b, key, m); err != nil {
		return nil, err
	}
	if err := putFirstSpan(tx, key, m); err != nil {
		return nil, err
	}
	if err := un.Put(lower, key); err != nil {
		return nil, err
	}
	if err := tx.Bucket(bucketCredentials).Put(key, hash); err != nil {
		return nil, err
	}
	if pp := s.SecurityPolicy().Password; pp.History > 0 || pp.MaxAgeDays > 0 {
		if err := s.recordPassword(tx, m.ID, hash); err != nil {
			return nil, err
		}
	}
	return m, s.audit(ctx, tx, "create", "member", id, nil, m)
}

func keyOrZero(id string) []byte {
	k, ok := idKey(id)
	if !ok {
		return itob(0)
	}
	return k
}

// UpdateMember applies a patch. Changing the group moves the member; setting
// left_on ends their membership (the rates stop counting them from that day).
func (s *Store) UpdateMember(ctx context.Context, id string, p MemberPatch) (*Member, error) {
	fe := FieldErrors{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		validName(fe, "name", *p.Name)
	}
	if p.Role != nil || len(p.Roles) > 0 {
		var one Role
		if p.Role != nil {
			one = *p.Role
		}
		r, serr := parseRoles(one, p.Roles)
		if serr != nil {
			return nil, serr
		}
		p.Role, p.Roles = &r, nil
		if !r.Valid() {
			fe.Add("role", "one of "+RoleNames)
		}
	}
	if p.LeftOn != nil && *p.LeftOn != "" && !ValidDate(*p.LeftOn) {
		fe.Add("left_on", "a date YYYY-MM-DD, or empty to clear")
	}
	if p.Password != nil {
		validPassword(fe, *p.Password)
	}
	if p.Title != nil {
		*p.Title = strings.TrimSpace(*p.Title)
		validTitle(fe, *p.Title)
	}
	if p.Position != nil && *p.Position < 0 {
		fe.Add("position", "0 (none) or more")
	}
	if p.EffectiveOn != nil {
		switch {
		case p.GroupID == nil && p.Role == nil:
			fe.Add("effective_on", "only with a group_id or role change")
		case !ValidDate(*p.EffectiveOn):
			fe.Add("effective_on", "a date YYYY-MM-DD")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var hash []byte
	if p.Password != nil {
		var err error
		if hash, err = s.hash(*p.Password); err != nil {
			return nil, err
		}
	}
	var m *Member
	err := s.update(func(tx *bolt.Tx) error {
		if p.Password != nil {
			cur, err := getMember(tx, id)
			if err != nil {
				return err
			}
			if err := s.checkPasswordPolicy(tx, id, cur.Username, *p.Password); err != nil {
				return err
			}
		}
		var err error
		m, err = s.patchMember(ctx, tx, id, p, hash)
		return err
	})
	return m, err
}

func (s *Store) patchMember(ctx context.Context, tx *bolt.Tx, id string, p MemberPatch, hash []byte) (*Member, error) {
	b := tx.Bucket(bucketMembers)
	got, err := getByID[Member](b, "member", id)
	if err != nil {
		return nil, err
	}
	m, key := *got, keyOrZero(id)
	before := m
	effective := "" // the date a group or role change takes effect
	if p.Name != nil {
		m.Name = *p.Name
	}
	if p.GroupID != nil {
		if *p.GroupID != "" && tx.Bucket(bucketGroups).Get(keyOrZero(*p.GroupID)) == nil {
			return nil, Invalid(map[string]string{"group_id": "no such group"})
		}
		m.GroupID = *p.GroupID
	}
	if p.Role != nil {
		if *p.Role != m.Role {
			if err := s.checkRole(tx, *p.Role); err != nil {
				return nil, err
			}
		}
		m.Role = *p.Role
	}
	if p.Title != nil {
		m.Title = *p.Title
	}
	if p.Position != nil {
		m.Position = *p.Position
	}
	if m.GroupID == "" && (m.Role == RoleMember || m.Role == RoleLead) {
		return nil, Invalid(map[string]string{"group_id": "required for members and leads"})
	}
	if p.LeftOn != nil {
		if *p.LeftOn != "" && *p.LeftOn < m.JoinedOn {
			return nil, Invalid(map[string]string{"left_on": "before joined_on"})
		}
		m.LeftOn = *p.LeftOn
	}
	// A group or role change is dated: the history takes it from
	// effective_on (today unless given).
	if moved, promoted := m.GroupID != before.GroupID, m.Role != before.Role; moved || promoted || p.EffectiveOn != nil {
		date, given := s.Today(), p.EffectiveOn != nil
		if given {
			date = *p.EffectiveOn
		}
		effective = date
		var err error
		if ctx, err = s.changeMembership(ctx, tx, key, &before, &m, date, given, p.GroupID != nil, p.Role != nil); err != nil {
			return nil, err
		}
	}
	if err := putJSON(b, key, &m); err != nil {
		return nil, err
	}
	if hash != nil {
		if err := s.recordPassword(tx, m.ID, hash); err != nil {
			return nil, err
		}
		if err := tx.Bucket(bucketCredentials).Put(key, hash); err != nil {
			return nil, err
		}
	}
	// A new password or a closing date ends every session of the account,
	// so reopening the account later does not revive old tokens.
	if hash != nil || (m.LeftOn != "" && m.LeftOn != before.LeftOn) {
		if err := deleteTokensOf(tx, m.ID); err != nil {
			return nil, err
		}
	}
	after := any(&m)
	if hash != nil || effective != "" {
		after = struct {
			*Member
			PasswordChanged bool   `json:"password_changed,omitempty"`
			EffectiveOn     string `json:"effective_on,omitempty"`
		}{&m, hash != nil, effective}
	}
	return &m, s.audit(ctx, tx, "update", "member", id, &before, after)
}

// Member returns one member.
func (s *Store) Member(id string) (*Member, error) {
	var m *Member
	err := s.view(func(tx *bolt.Tx) (err error) {
		m, err = getMember(tx, id)
		return err
	})
	return m, err
}

func getMember(tx *bolt.Tx, id string) (*Member, error) {
	return getByID[Member](tx.Bucket(bucketMembers), "member", id)
}

// MemberByUsername finds an account by its (case-insensitive) username.
func (s *Store) MemberByUsername(username string) (*Member, error) {
	var m *Member
	err := s.view(func(tx *bolt.Tx) error {
		k := usernameKey(tx, username)
		if k == nil {
			return NotFound("member", username)
		}
		var err error
		m, err = getMember(tx, keyID(k))
		return err
	})
	return m, err
}

// Members lists members in id order; with groupIDs set, only members of those
// groups.
func (s *Store) Members(groupIDs ...string) ([]Member, error) {
	want := map[string]bool{}
	for _, g := range groupIDs {
		want[g] = true
	}
	var out []Member
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if len(want) == 0 || want[m.GroupID] {
				out = append(out, m)
			}
			return nil
		})
	})
	return out, err
}

// loadMembers decodes every member inside tx.
func loadMembers(tx *bolt.Tx) ([]Member, error) {
	var out []Member
	err := tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("read member %s: %w", keyID(k), err)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// CountMembers returns how many accounts exist.
func (s *Store) CountMembers() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketMembers).Stats().KeyN
		return nil
	})
	return n, err
}
