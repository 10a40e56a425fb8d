package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar on a terminal and plain lines (every 10%)
// elsewhere, so logs and CI output stay readable.
type progress struct {
	w        io.Writer
	terminal bool
	last     int // last percentage or tenth printed
	drawn    bool
	start    time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, last: -1, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

const barWidth = 30

func (p *progress) update(done, total int) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if p.terminal {
		if pct == p.last && done != total {
			return
		}
		p.last = pct
		n := done * barWidth / total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d files %s", strings.Repeat("#", n), strings.Repeat(".", barWidth-n), pct, done, total,
			time.Since(p.start).Round(time.Second))
		p.drawn = true
		return
	}
	tenth := pct / 10
	if tenth == p.last && done != total {
		return
	}
	if done == total && p.last == 10 {
		return
	}
	p.last = tenth
	fmt.Fprintf(p.w, "progress: %d/%d files (%d%%)\n", done, total, pct)
}

func (p *progress) finish() {
	if p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
}
