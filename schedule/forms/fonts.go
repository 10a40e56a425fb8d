package forms

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/jung-kurt/gofpdf"

	"studyroll/assets"
)

// Font handling.
//
// Parsing the full 4.6 MB WenQuanYi Micro Hei font costs gofpdf v1.16.2
// ~10 ms per document, and subsetting it again at Output costs about as much.
// gofpdf keeps the parsed font inside each document (unexported, and mutated
// while the document is built), so a parsed font cannot be shared between
// documents. Instead, when Options.Font is nil, this package cuts the embedded
// font once per process down to ASCII, Latin-1, GB 2312 (all 6,763 common
// hanzi and its symbols), some frequent name characters outside GB 2312 and
// every label this package prints. Documents are built with a private copy of
// that small font; a document that prints a character the small font lacks
// (but the full font has) is rebuilt from scratch with a copy of the full font,
// so output is always complete and usually fast.

// nameExtras are characters frequent in personal names that GB 2312 lacks.
const nameExtras = "堃喆玥珺昇赟犇镕瑄璟旻祎翀彧頔玹琍翯垚焜淏琇瑢玙珣琤瑀璿昉晞暐珅禛浛溦芃燚崟頫珮璠甦曈鹍鹓沄沨洺湉濛韡"

// extraPunct are characters used by format strings or common in user text
// that GB 2312 tables map differently (em dash, middle dot …).
const extraPunct = "—–‐‑‒―·•…‘’“”′″€™©®°±×÷≥≤≠√·、。，；：？！（）【】《》〈〉「」『』〔〕～￥"

// fontVariant is one candidate font for a document: its bytes (never handed
// to gofpdf directly — every document gets its own copy) and the set of runes
// it has glyphs for.
type fontVariant struct {
	bytes []byte
	cover *runeSet
}

// fontPlan lists the font variants to try in order, and what the full font
// covers, so a miss that the full font could not fix either is not retried.
type fontPlan struct {
	variants []fontVariant
	full     *runeSet
}

var defaultPlan struct {
	once sync.Once
	plan fontPlan
}

// planFor returns the fonts to try for opt.
func planFor(opt Options) (fontPlan, error) {
	if opt.Font != nil {
		cover := cmapCoverage(opt.Font)
		if len(opt.Font) < 4 || cover.count() == 0 ||
			(string(opt.Font[:4]) != "\x00\x01\x00\x00" && string(opt.Font[:4]) != "true") {
			return fontPlan{}, errors.New("forms: Options.Font is not a TrueType font with a Unicode cmap")
		}
		return fontPlan{variants: []fontVariant{{bytes: opt.Font, cover: cover}}, full: cover}, nil
	}
	defaultPlan.once.Do(func() {
		full := assets.Font() // private copy, kept for the process lifetime
		fullCover := cmapCoverage(full)
		var want []rune
		for r := rune(0x20); r < 0x7f; r++ {
			want = append(want, r)
		}
		for r := rune(0xa0); r <= 0xff; r++ {
			want = append(want, r)
		}
		for _, s := range []string{gb2312Chars, nameExtras, extraPunct, allLabelText()} {
			want = append(want, []rune(s)...)
		}
		seen := map[rune]bool{}
		cut := make([]rune, 0, len(want))
		subCover := &runeSet{}
		for _, r := range want {
			if seen[r] || !fullCover.has(r) {
				continue
			}
			seen[r] = true
			cut = append(cut, r)
			subCover.add(r)
		}
		work := make([]byte, len(full)) // UTF8CutFont writes into its input
		copy(work, full)
		sub := gofpdf.UTF8CutFont(work, string(cut))
		p := fontPlan{full: fullCover}
		if len(sub) > 0 && cmapCoverage(sub).count() > 0 {
			p.variants = append(p.variants, fontVariant{bytes: sub, cover: subCover})
		}
		p.variants = append(p.variants, fontVariant{bytes: full, cover: fullCover})
		defaultPlan.plan = p
	})
	return defaultPlan.plan, nil
}

// runeSet is a bitmap over the Basic Multilingual Plane (gofpdf v1.16.2 reads
// only the format-4 cmap, so it cannot print anything beyond it anyway).
type runeSet [0x10000 / 64]uint64

func (s *runeSet) add(r rune) {
	if r >= 0 && r < 0x10000 {
		s[r>>6] |= 1 << (uint(r) & 63)
	}
}

func (s *runeSet) has(r rune) bool {
	if s == nil || r < 0 || r >= 0x10000 {
		return false
	}
	return s[r>>6]&(1<<(uint(r)&63)) != 0
}

func (s *runeSet) count() int {
	n := 0
	for _, w := range s {
		for ; w != 0; w &= w - 1 {
			n++
		}
	}
	return n
}

// cmapCoverage reads the runes a TrueType font maps to a real glyph, from the
// same cmap subtable gofpdf uses (platform 3 encoding 1, or platform 0, in
// format 4). It never panics; a malformed font yields an empty set.
func cmapCoverage(font []byte) *runeSet {
	set := &runeSet{}
	u16 := func(off int) (int, bool) {
		if off < 0 || off+2 > len(font) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(font[off:])), true
	}
	u32 := func(off int) (int, bool) {
		if off < 0 || off+4 > len(font) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(font[off:])), true
	}
	numTables, ok := u16(4)
	if !ok {
		return set
	}
	cmap := -1
	for i := 0; i < numTables; i++ {
		rec := 12 + 16*i
		if rec+16 > len(font) {
			return set
		}
		if string(font[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
			break
		}
	}
	if cmap < 0 {
		return set
	}
	n, ok := u16(cmap + 2)
	if !ok {
		return set
	}
	sub := -1
	for i := 0; i < n; i++ {
		rec := cmap + 4 + 8*i
		platform, ok1 := u16(rec)
		encoding, ok2 := u16(rec + 2)
		off, ok3 := u32(rec + 4)
		if !ok1 || !ok2 || !ok3 {
			return set
		}
		if (platform == 3 && encoding == 1) || platform == 0 {
			if f, ok := u16(cmap + off); ok && f == 4 {
				sub = cmap + off
				break
			}
		}
	}
	if sub < 0 {
		return set
	}
	segX2, ok := u16(sub + 6)
	if !ok {
		return set
	}
	ends := sub + 14
	starts := ends + segX2 + 2
	deltas := starts + segX2
	rangeOffs := deltas + segX2
	work := 0 // valid segments are disjoint: bound the work on malformed ones
	for i := 0; i < segX2/2 && work < 1<<17; i++ {
		end, ok1 := u16(ends + 2*i)
		start, ok2 := u16(starts + 2*i)
		delta, ok3 := u16(deltas + 2*i)
		ro, ok4 := u16(rangeOffs + 2*i)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return set
		}
		for c := start; c <= end && c < 0xffff && work < 1<<17; c++ {
			work++
			var gid int
			if ro == 0 {
				gid = (c + delta) & 0xffff
			} else {
				g, ok := u16(rangeOffs + 2*i + ro + 2*(c-start))
				if !ok {
					break
				}
				if g != 0 {
					gid = (g + delta) & 0xffff
				}
			}
			if gid != 0 {
				set.add(rune(c))
			}
		}
	}
	return set
}
