package store

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RosterColumns is the header of a roster CSV file; the first three are
// required. title is the post (职务); position the place in the group's
// roster (1 first, empty = none: by pinyin after those with one).
var RosterColumns = []string{"name", "username", "group", "role", "joined_on", "password", "title", "position"}

// ImportResult counts what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

type rosterRow struct {
	line      int
	in        MemberInput
	hash      []byte
	roleGiven bool // an empty role column keeps an existing account's role
	// the file has the column: an update sets the field (an empty cell
	// clears it)
	titleCol, positionCol bool
}

// ImportRoster reads a roster CSV from r (UTF-8 with or without a BOM, or
// GB18030/GBK, detected) and imports it as ImportRosterFile does.
func (s *Store) ImportRoster(ctx context.Context, r io.Reader) (ImportResult, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return ImportResult{}, err
	}
	return s.ImportRosterFile(ctx, data, ContentTypeCSV, "")
}

// ImportRosterFile reads a roster — CSV (UTF-8 with or without a BOM, or
// GB18030/GBK: detected, or named by charset) or XLSX (the first sheet),
// see ReadTable — and creates or updates every account in one transaction.
// Any bad line rejects the whole file: the error lists every bad line as
// "line N" → reason, counting the header as line 1.
func (s *Store) ImportRosterFile(ctx context.Context, data []byte, contentType, charset string) (ImportResult, error) {
	table, err := ReadTable(data, contentType, charset)
	if err != nil {
		return ImportResult{}, err
	}
	rows, formBad, err := s.parseRoster(table)
	if err != nil {
		return ImportResult{}, err
	}
	if len(formBad) == 0 { // nothing is written otherwise: skip the slow hashing
		if err := s.hashRows(rows); err != nil {
			return ImportResult{}, err
		}
	}
	var res ImportResult
	err = s.update(func(tx *bolt.Tx) error {
		res = ImportResult{}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		// Lines that failed the form checks are reported together with the
		// ones that fail here, so one answer lists every bad line.
		bad := FieldErrors{}
		for k, v := range formBad {
			bad[k] = v
		}
		un := tx.Bucket(bucketUsernames)
		for _, row := range rows {
			gid, amb, ok := t.Resolve(row.in.GroupID)
			if row.in.GroupID == "" {
				gid, ok = "", true
			}
			switch {
			case !ok && amb:
				bad.Add(lineKey(row.line), fmt.Sprintf("group %q matches several groups: write its path, like 单位/支部", row.in.GroupID))
				continue
			case !ok:
				bad.Add(lineKey(row.line), fmt.Sprintf("no group named %q", row.in.GroupID))
				continue
			}
			row.in.GroupID = gid
			if k := un.Get([]byte(strings.ToLower(row.in.Username))); k != nil {
				if len(bad) > 0 {
					continue
				}
				p := MemberPatch{Name: &row.in.Name, GroupID: &row.in.GroupID}
				if row.roleGiven {
					p.Role = &row.in.Role
				}
				if row.titleCol {
					p.Title = &row.in.Title
				}
				if row.positionCol {
					p.Position = &row.in.Position
				}
				if _, err := s.patchMember(ctx, tx, keyID(k), p, row.hash); err != nil {
					bad.Add(lineKey(row.line), err.Error())
					continue
				}
				res.Updated++
				continue
			}
			if row.in.Password == "" {
				bad.Add(lineKey(row.line), "password required for a new account (at least 8 characters)")
				continue
			}
			if row.in.GroupID == "" && (row.in.Role == RoleMember || row.in.Role == RoleLead) {
				bad.Add(lineKey(row.line), "group required for members and leads")
				continue
			}
			if len(bad) > 0 {
				continue
			}
			if _, err := s.createMember(ctx, tx, row.in, row.hash); err != nil {
				bad.Add(lineKey(row.line), err.Error())
				continue
			}
			res.Created++
		}
		if len(bad) > 0 {
			return rosterErr(bad)
		}
		return s.audit(ctx, tx, "import", "roster", "", nil, res)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func lineKey(n int) string { return "line " + strconv.Itoa(n) }

func rosterErr(bad FieldErrors) error {
	lines := make([]string, 0, len(bad))
	for k := range bad {
		lines = append(lines, k)
	}
	sort.Slice(lines, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(lines[i], "line "))
		b, _ := strconv.Atoi(strings.TrimPrefix(lines[j], "line "))
		return a < b
	})
	e := Invalid(bad)
	e.Code = "bad_rows"
	e.Message = fmt.Sprintf("%d bad line(s), nothing imported: %s", len(bad), strings.Join(lines, ", "))
	return e
}

// parseRoster checks every line without the store; group names are resolved
// later, inside the import transaction. table is ReadTable's: row i is line
// i+1.
func (s *Store) parseRoster(table [][]string) ([]rosterRow, FieldErrors, error) {
	bad := FieldErrors{}
	if len(table) == 0 {
		return nil, nil, Invalid(map[string]string{"line 1": "empty file: want the header " + strings.Join(RosterColumns, ",")})
	}
	header := table[0]
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range RosterColumns[:3] {
		if _, ok := col[c]; !ok {
			return nil, nil, Invalid(map[string]string{"line 1": "header must name the columns " + strings.Join(RosterColumns, ",") + fmt.Sprintf(" (missing %q)", c)})
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []rosterRow
	seen := map[string]int{}
	for i, rec := range table[1:] {
		line := i + 2
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // blank line
		}
		in := MemberInput{
			Name: get(rec, "name"), Username: get(rec, "username"), GroupID: get(rec, "group"),
			Role: Role(strings.ToLower(get(rec, "role"))), Password: get(rec, "password"),
			Title: get(rec, "title"),
		}
		fe := FieldErrors{}
		validTitle(fe, in.Title)
		if p := get(rec, "position"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n > 1_000_000 {
				fe.Add("position", fmt.Sprintf("%q is not a whole number from 0 to 1000000", p))
			}
			in.Position = n
		}
		validName(fe, "name", in.Name)
		in.Username = validUsername(fe, in.Username)
		if in.Password != "" {
			validPassword(fe, in.Password)
			if r := s.SecurityPolicy().Password.CheckPasswordRules(in.Username, in.Password); r != "" && fe["password"] == "" {
				fe.Add("password", r)
			}
		}
		roleGiven := in.Role != ""
		if !roleGiven {
			in.Role = RoleMember
		}
		if !in.Role.Valid() {
			fe.Add("role", fmt.Sprintf("%q is not one of %s", in.Role, RoleNames))
		}
		if j := get(rec, "joined_on"); j == "" {
			in.JoinedOn = s.Today()
		} else if d, ok := parseLooseDate(j); ok {
			in.JoinedOn = d
		} else {
			fe.Add("joined_on", fmt.Sprintf("%q is not a date like 2023-09-01", j))
		}
		if prev, dup := seen[strings.ToLower(in.Username)]; dup && in.Username != "" {
			fe.Add("username", fmt.Sprintf("%q also on line %d", in.Username, prev))
		}
		seen[strings.ToLower(in.Username)] = line
		if len(fe) > 0 {
			bad.Add(lineKey(line), joinFieldErrors(fe))
			continue
		}
		_, titleCol := col["title"]
		_, positionCol := col["position"]
		rows = append(rows, rosterRow{line: line, in: in, roleGiven: roleGiven, titleCol: titleCol, positionCol: positionCol})
	}
	if len(rows) == 0 && len(bad) == 0 {
		return nil, nil, Invalid(map[string]string{"line 2": "no members in the file"})
	}
	return rows, bad, nil
}

func joinFieldErrors(fe FieldErrors) string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + fe[k]
	}
	return strings.Join(parts, "; ")
}

// parseLooseDate accepts 2023-09-01, 2023-9-1 and 2023/9/1 (Excel's form).
func parseLooseDate(s string) (string, bool) {
	for _, layout := range []string{"2006-01-02", "2006-1-2", "2006/1/2", "2006/01/02", "2006.1.2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(DateLayout), true
		}
	}
	return "", false
}

// hashRows hashes the given passwords on every core, outside any transaction.
func (s *Store) hashRows(rows []rosterRow) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range rows {
		if rows[i].in.Password == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(r *rosterRow) {
			defer func() { <-sem; wg.Done() }()
			h, err := s.hash(r.in.Password)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			r.hash = h
		}(&rows[i])
	}
	wg.Wait()
	return first
}
