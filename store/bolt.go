package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The small bbolt read helpers every file uses: one record by id, the
// records under a key prefix. Values are JSON unless a file says otherwise
// (attendance and scores are binary, see attendance_record.go).

// getJSON decodes the value at key into v; found is false when absent. The
// bytes never escape the transaction: json.Unmarshal copies.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	return true, json.Unmarshal(data, v)
}

// putJSON encodes v at key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// getByID reads the record with wire id from b. An id that is not a key,
// like a key with no record, is NotFound(what, id): "what" names the record
// in the message ("session", "exam"…).
func getByID[T any](b *bolt.Bucket, what, id string) (*T, error) {
	key, ok := idKey(id)
	if !ok {
		return nil, NotFound(what, id)
	}
	return getByKey[T](b, key, what, id)
}

// getByKey reads the record at key from b, NotFound(what, id) when there is
// none; id is the record's name in messages.
func getByKey[T any](b *bolt.Bucket, key []byte, what, id string) (*T, error) {
	var v T
	found, err := getJSON(b, key, &v)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, id, err)
	}
	if !found {
		return nil, NotFound(what, id)
	}
	return &v, nil
}

// eachPrefix calls fn with every key and value whose key starts with
// prefix, in key order; it stops at fn's first error. The bytes are valid
// only inside the transaction.
func eachPrefix(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// listPrefix decodes every JSON value whose key starts with prefix, in key
// order; never nil.
func listPrefix[T any](b *bolt.Bucket, prefix []byte) ([]T, error) {
	out := []T{}
	err := eachPrefix(b, prefix, func(k, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("read %x: %w", k, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// loadPeople reads the group tree and every member: what an audience is
// worked out from.
func loadPeople(tx *bolt.Tx) (*Tree, []Member, error) {
	t, err := loadTree(tx)
	if err != nil {
		return nil, nil, err
	}
	ms, err := loadMembers(tx)
	if err != nil {
		return nil, nil, err
	}
	return t, ms, nil
}

// loadSessionPeople reads session id straight from its bucket
// (sessionRecord: 404 when absent) with the tree and members its audience
// needs.
func loadSessionPeople(tx *bolt.Tx, id string) (*Session, *Tree, []Member, error) {
	sess, err := sessionRecord(tx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	t, ms, err := loadPeople(tx)
	if err != nil {
		return nil, nil, nil, err
	}
	return sess, t, ms, nil
}
