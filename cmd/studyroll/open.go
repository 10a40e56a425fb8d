package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"studyroll/store"
)

// storeFlags are the flags every command that opens the store shares.
type storeFlags struct {
	data     string
	tz       string
	auditKey string
	fieldKey string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "./data", "data folder holding the store file")
	fs.StringVar(&f.tz, "tz", "Asia/Shanghai", "time zone that cuts days and quarters")
	fs.StringVar(&f.auditKey, "audit-key", "", "file holding the audit chain's key (default: DATA/audit.key, created on first start)")
	fs.StringVar(&f.fieldKey, "field-key", "", "file holding the key that seals leave reasons, notes and comments (default: DATA/field.key, created on first start)")
}

func (f *storeFlags) location() (*time.Location, error) {
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return nil, usageError(fmt.Sprintf("--tz %q: unknown time zone", f.tz))
	}
	return loc, nil
}

// open opens the store in the data folder.
func (f *storeFlags) open() (*store.Store, error) { return f.openOr(store.Options{}, "") }

// openOr opens the store in the data folder with o (its zone and key files
// from the flags). When another process (a running server) holds the store
// the error keeps the "in use" message and adds whileServing: what to do
// instead.
func (f *storeFlags) openOr(o store.Options, whileServing string) (*store.Store, error) {
	loc, err := f.location()
	if err != nil {
		return nil, err
	}
	o.Location, o.AuditKeyFile, o.FieldKeyFile = loc, f.auditKey, f.fieldKey
	s, err := store.Open(f.data, o)
	if errors.Is(err, store.ErrInUse) && whileServing != "" {
		return nil, fmt.Errorf("%w\n(%s)", err, whileServing)
	}
	return s, err
}
