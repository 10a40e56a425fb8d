package store

import bolt "go.etcd.io/bbolt"

// rotationLead picks the reading lead for sess from its group's rotation.
// STUB: the rotation feature replaces this file.
func (s *Store) rotationLead(tx *bolt.Tx, sess *Session) (string, error) {
	return "", nil
}
