package main

import (
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
func (f *storeFlags) open() (*store.Store, error) {
	loc, err := f.location()
	if err != nil {
		return nil, err
	}
	return store.Open(f.data, store.Options{Location: loc, AuditKeyFile: f.auditKey, FieldKeyFile: f.fieldKey})
}
