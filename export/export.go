// Package export writes a locked period's summary as a signed file for the
// platform one level up (the provincial or city Party-building platform),
// and verifies such a file.
//
// The file is a JSON Web Signature in the flattened JSON serialization
// (RFC 7515 §7.2.2) signed with Ed25519 ("alg": "EdDSA", RFC 8037), so any
// JOSE library verifies it:
//
//	{"protected": BASE64URL({"alg":"EdDSA","kid":FINGERPRINT,"typ":"studyroll-period+json"}),
//	 "payload":   BASE64URL(Summary as JSON),
//	 "signature": BASE64URL(Ed25519(protected + "." + payload))}
//
// The key pair lives in the data folder: export.key (the private seed,
// mode 0600, made at the first export) and export.pub (the public key,
// PEM); the receiving platform registers export.pub once and verifies
// every file against it, never against a key named in the file.
//
// The summary carries groups' figures only — numerators, denominators and
// the count of each grade — never a member's name or row: the platform
// above compares organisations, and members are not ranked.
package export

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"studyroll/store"
)

// Format names the summary's layout; a change of layout changes it.
const Format = "studyroll-period-summary/1"

// Summary is the signed payload: one locked period's figures as frozen.
type Summary struct {
	Format         string    `json:"format"`
	Organisation   string    `json:"organisation"`
	Period         string    `json:"period"`
	Revision       int       `json:"revision"`
	Reason         string    `json:"reason,omitempty"` // why this revision exists (after an unlock)
	LockedAt       time.Time `json:"locked_at"`
	SnapshotSHA256 string    `json:"snapshot_sha256"`
	AuditHead      string    `json:"audit_head"`
	ExportedAt     time.Time `json:"exported_at"`
	Members        int       `json:"members"`
	Participation  Ratio     `json:"participation"`
	Completion     Ratio     `json:"completion"`
	Excellence     Ratio     `json:"excellence"`
	Groups         []Group   `json:"groups"`
}

// Ratio is a rate's numerator and denominator (the rate is num/den; none
// when den is 0).
type Ratio struct {
	Num int `json:"num"`
	Den int `json:"den"`
}

// Group is one group's figures over its whole subtree.
type Group struct {
	ID            string         `json:"id"`
	ParentID      string         `json:"parent_id,omitempty"`
	Name          string         `json:"name"`
	Path          string         `json:"path"`
	Members       int            `json:"members"`
	Participation Ratio          `json:"participation"`
	Completion    Ratio          `json:"completion"`
	Excellence    Ratio          `json:"excellence"`
	Grades        map[string]int `json:"grades"` // excellent, good, pass, fail, none → members
}

func ratio(r store.Ratio) Ratio { return Ratio{Num: r.Num, Den: r.Den} }

// Build makes the summary of a locked period from its snapshot and lock.
func Build(ps *store.PeriodSnapshot, lock store.PeriodLock, now time.Time) (*Summary, error) {
	if ps == nil {
		return nil, errors.New("no snapshot: the period is not locked")
	}
	all, err := ps.Rates("")
	if err != nil {
		return nil, err
	}
	t := ps.Tree()
	sum := &Summary{Format: Format, Period: ps.Period, Revision: ps.Revision, Reason: ps.Reason,
		LockedAt: lock.LockedAt, SnapshotSHA256: lock.SnapshotSHA256, AuditHead: ps.AuditHead, ExportedAt: now,
		Members: len(all.Members), Participation: ratio(all.Participation), Completion: ratio(all.Completion),
		Excellence: ratio(all.Excellence), Groups: []Group{}}
	if roots := t.Roots(); len(roots) > 0 {
		if g, ok := t.Group(roots[0]); ok {
			sum.Organisation = g.Name
		}
	}
	for _, g := range t.Groups() {
		r, err := ps.Rates(g.ID)
		if err != nil {
			return nil, err
		}
		grades := map[string]int{"excellent": 0, "good": 0, "pass": 0, "fail": 0, "none": 0}
		for _, m := range r.Members {
			if m.Grade == "" {
				grades["none"]++
			} else {
				grades[m.Grade]++
			}
		}
		sum.Groups = append(sum.Groups, Group{ID: g.ID, ParentID: g.ParentID, Name: g.Name, Path: t.Path(g.ID),
			Members: len(r.Members), Participation: ratio(r.Participation), Completion: ratio(r.Completion),
			Excellence: ratio(r.Excellence), Grades: grades})
	}
	return sum, nil
}

// Key file names in the data folder.
const (
	KeyFile       = "export.key"
	PublicKeyFile = "export.pub"
)

// LoadOrCreateKey reads the signing key from dir, making a new pair (and
// export.pub beside it) when there is none.
func LoadOrCreateKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, KeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		seed, err := hex.DecodeString(string(trimSpace(data)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("%s: not an export key (want %d bytes of hex)", path, ed25519.SeedSize)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pemPub, err := PublicKeyPEM(pub)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, PublicKeyFile), pemPub, 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(f, "%s\n", hex.EncodeToString(priv.Seed()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return priv, err
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// PublicKeyPEM encodes a public key as a PEM "PUBLIC KEY" (PKIX) block.
func PublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM reads what PublicKeyPEM wrote.
func ParsePublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM public key")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an Ed25519 public key")
	}
	return pub, nil
}

// Fingerprint is the first 16 bytes of the public key's SHA-256, in hex.
func Fingerprint(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:16])
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// File is the flattened JWS.
type File struct {
	Protected string `json:"protected"`
	Payload   string `json:"payload"`
	Signature string `json:"signature"`
}

var b64 = base64.RawURLEncoding

// Sign makes the signed file of s.
func Sign(s *Summary, key ed25519.PrivateKey) ([]byte, error) {
	payload, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	h, _ := json.Marshal(header{Alg: "EdDSA", Kid: Fingerprint(key.Public().(ed25519.PublicKey)), Typ: "studyroll-period+json"})
	f := File{Protected: b64.EncodeToString(h), Payload: b64.EncodeToString(payload)}
	f.Signature = b64.EncodeToString(ed25519.Sign(key, []byte(f.Protected+"."+f.Payload)))
	return json.MarshalIndent(f, "", "  ")
}

// Verify checks a signed file against the registered public key and
// returns its summary.
func Verify(data []byte, pub ed25519.PublicKey) (*Summary, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a signed export: %w", err)
	}
	hb, err := b64.DecodeString(f.Protected)
	if err != nil {
		return nil, errors.New("protected header: not base64url")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil || h.Alg != "EdDSA" {
		return nil, errors.New(`protected header: want "alg": "EdDSA"`)
	}
	sig, err := b64.DecodeString(f.Signature)
	if err != nil {
		return nil, errors.New("signature: not base64url")
	}
	if !ed25519.Verify(pub, []byte(f.Protected+"."+f.Payload), sig) {
		return nil, errors.New("signature does not verify with this public key")
	}
	pb, err := b64.DecodeString(f.Payload)
	if err != nil {
		return nil, errors.New("payload: not base64url")
	}
	var s Summary
	if err := json.Unmarshal(pb, &s); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if s.Format != Format {
		return nil, fmt.Errorf("payload format %q, want %q", s.Format, Format)
	}
	return &s, nil
}

// SignJSON signs any JSON payload the same way, with typ naming what it is
// (the audit export uses "studyroll-audit+json").
func SignJSON(v any, typ string, key ed25519.PrivateKey) ([]byte, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	h, _ := json.Marshal(header{Alg: "EdDSA", Kid: Fingerprint(key.Public().(ed25519.PublicKey)), Typ: typ})
	f := File{Protected: b64.EncodeToString(h), Payload: b64.EncodeToString(payload)}
	f.Signature = b64.EncodeToString(ed25519.Sign(key, []byte(f.Protected+"."+f.Payload)))
	return json.MarshalIndent(f, "", "  ")
}

// VerifyJSON checks a file made by SignJSON and returns its type and
// payload.
func VerifyJSON(data []byte, pub ed25519.PublicKey) (typ string, payload []byte, err error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return "", nil, fmt.Errorf("not a signed file: %w", err)
	}
	hb, err := b64.DecodeString(f.Protected)
	if err != nil {
		return "", nil, errors.New("protected header: not base64url")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil || h.Alg != "EdDSA" {
		return "", nil, errors.New(`protected header: want "alg": "EdDSA"`)
	}
	sig, err := b64.DecodeString(f.Signature)
	if err != nil {
		return "", nil, errors.New("signature: not base64url")
	}
	if !ed25519.Verify(pub, []byte(f.Protected+"."+f.Payload), sig) {
		return "", nil, errors.New("signature does not verify with this public key")
	}
	pb, err := b64.DecodeString(f.Payload)
	if err != nil {
		return "", nil, errors.New("payload: not base64url")
	}
	return h.Typ, pb, nil
}
