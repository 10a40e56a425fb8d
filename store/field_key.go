package store

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Sensitive fields at rest. The free texts written about a person — a leave
// request's reason, an attendance record's note and make-up note, a learning
// report's evaluation comment — are sealed with AES-256-GCM before they
// reach the bbolt file, and opened when read. The key lives outside the
// store, beside the audit key: DATA/field.key (or --field-key FILE),
// created at the first start. The store file, its backups and the audit
// entries of those writes hold only the sealed form.
//
// A sealed value is "enc:" + key id + ":" + base64(nonce ‖ ciphertext); the
// additional data is the field's name, so a value cannot be moved to another
// kind of field. A value without the prefix is plaintext written by a version
// before migration 10 (which seals them all).

// FieldKeyFile is the default name of the field key inside the data folder.
const FieldKeyFile = "field.key"

const sealedPrefix = "enc:"

// Field names: the additional data of each sealed field.
const (
	fieldLeaveReason    = "leave.reason"
	fieldAttNote        = "attendance.note"
	fieldAttMakeupNote  = "attendance.makeup_note"
	fieldReportComment  = "learning_report.comment"
	fieldKeyIDLen       = 8 // hex characters
	fieldKeyBytes       = 32
	fieldKeyFileComment = "# studyroll field key: id, then 32 bytes in hex; the first line seals, the others only open. Losing it loses the sealed texts."
)

// keyFieldsSealed (meta) is set by migration 10: from then on every
// sensitive field is sealed, and the store does not open without its key.
var keyFieldsSealed = []byte("fields_sealed")

// fieldKey is one AES-256-GCM key and its id.
type fieldKey struct {
	id   string
	aead cipher.AEAD
}

// fieldCipher seals with its first key and opens with any of them (a
// rotation in progress holds the new key first and the old one after it).
type fieldCipher struct {
	keys []fieldKey
}

func newFieldKey(id string, raw []byte) (fieldKey, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return fieldKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fieldKey{}, err
	}
	return fieldKey{id: id, aead: aead}, nil
}

// seal returns the sealed form of plain ("" stays "": nothing to hide).
func (c *fieldCipher) seal(field, plain string) string {
	if plain == "" || c == nil {
		return plain
	}
	k := c.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return sealedPrefix + k.id + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// isSealed reports whether v has the sealed form's prefix.
func isSealed(v string) bool {
	return strings.HasPrefix(v, sealedPrefix) && len(v) > len(sealedPrefix)+fieldKeyIDLen && v[len(sealedPrefix)+fieldKeyIDLen] == ':'
}

// errFieldKey is returned when a sealed value cannot be opened.
var errFieldKey = errors.New("a sealed field cannot be opened with the field key (wrong or missing key file)")

// open returns the plaintext of v; a value that is not sealed is returned
// as it is (written before migration 10).
func (c *fieldCipher) open(field, v string) (string, error) {
	if !isSealed(v) {
		return v, nil
	}
	if c == nil {
		return "", errFieldKey
	}
	id := v[len(sealedPrefix) : len(sealedPrefix)+fieldKeyIDLen]
	data, err := base64.RawStdEncoding.DecodeString(v[len(sealedPrefix)+fieldKeyIDLen+1:])
	if err != nil {
		return "", errFieldKey
	}
	for _, k := range c.keys {
		if k.id != id || len(data) < k.aead.NonceSize() {
			continue
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, data[:n], data[n:], []byte(field))
		if err != nil {
			return "", errFieldKey
		}
		return string(plain), nil
	}
	return "", errFieldKey
}

// reseal opens v and seals it again with the current key (rotation and
// migration): a value already sealed with the current key is kept.
func (c *fieldCipher) reseal(field, v string) (string, error) {
	if v == "" {
		return v, nil
	}
	if isSealed(v) && v[len(sealedPrefix):len(sealedPrefix)+fieldKeyIDLen] == c.keys[0].id {
		return v, nil
	}
	plain, err := c.open(field, v)
	if err != nil {
		return "", err
	}
	return c.seal(field, plain), nil
}

// The cipher of each open store, found from a transaction: the readers of
// sealed records are functions of a *bolt.Tx.
var fieldCiphers sync.Map // *bolt.DB → *fieldCipher

// fieldsOf is the field cipher of the store tx belongs to (nil: a read-only
// open without the key file; sealed values then fail to open).
func fieldsOf(tx *bolt.Tx) *fieldCipher {
	if c, ok := fieldCiphers.Load(tx.DB()); ok {
		return c.(*fieldCipher)
	}
	return nil
}

// readFieldKeys reads a key file: lines "ID HEX", the first line the
// current key; lines starting with # are comments.
func readFieldKeys(path string) (*fieldCipher, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &fieldCipher{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		id, hx, ok := strings.Cut(text, " ")
		raw, herr := hex.DecodeString(strings.TrimSpace(hx))
		if !ok || len(id) != fieldKeyIDLen || herr != nil || len(raw) != fieldKeyBytes {
			return nil, fmt.Errorf("field key %s line %d: want an 8-character id, a space and 32 bytes in hex", path, line)
		}
		k, err := newFieldKey(id, raw)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	if len(c.keys) == 0 {
		return nil, fmt.Errorf("field key %s: no key in the file", path)
	}
	return c, nil
}

// newFieldKeyLine makes a random key and its line.
func newFieldKeyLine() (string, error) {
	id := make([]byte, fieldKeyIDLen/2)
	raw := make([]byte, fieldKeyBytes)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return hex.EncodeToString(id) + " " + hex.EncodeToString(raw), nil
}

// writeFieldKeys writes the key lines to path through a temporary file and
// a rename (mode 0600), so a crash leaves the old file or the new one.
func writeFieldKeys(path string, lines []string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".field-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(fieldKeyFileComment + "\n" + strings.Join(lines, "\n") + "\n")
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write field key %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// loadFieldKey reads the field key; when the file is missing and create is
// true it writes a new one. Missing and not created: nil.
func loadFieldKey(path string, create bool) (*fieldCipher, error) {
	c, err := readFieldKeys(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, nil
		}
		line, err := newFieldKeyLine()
		if err != nil {
			return nil, err
		}
		if err := writeFieldKeys(path, []string{line}); err != nil {
			return nil, err
		}
		return readFieldKeys(path)
	}
	return c, err
}

// fieldsSealed reports whether migration 10 has sealed the store's fields.
func fieldsSealed(tx *bolt.Tx) bool { return tx.Bucket(bucketMeta).Get(keyFieldsSealed) != nil }

// mustHaveFieldKey refuses to open a sealed store without its key: a new
// key would open nothing, and every reason and comment would be lost.
func mustHaveFieldKey(tx *bolt.Tx, c *fieldCipher, path string) error {
	if c == nil && tx.Bucket(bucketMeta) != nil && fieldsSealed(tx) {
		return fmt.Errorf("field key %s is missing but the store's reasons and comments are sealed with it: restore the key file (or pass --field-key FILE)", path)
	}
	return nil
}
