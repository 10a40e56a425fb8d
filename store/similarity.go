package store

import (
	"slices"
	"sort"
	"unicode"
)

// Near-copy detection for learning reports (述学). Copying a colleague's
// report is a known problem, so reports whose text is nearly identical to
// another member's report in the same period are flagged to the evaluating
// lead.
//
// The measure is the Jaccard similarity of the texts' shingle sets: a text
// is reduced to its letters and digits (whitespace, punctuation and symbols
// removed, Latin letters lower-cased — the texts are Chinese, where word
// boundaries carry no meaning), and every run of 3 consecutive characters is
// a shingle. Texts of 1 or 2 characters are one shingle; an empty text has
// none and is similar to nothing.
//
// Comparing every pair is quadratic, but two cheap bounds make it fast for
// the few hundred reports of a period: J(A,B) ≤ min(|A|,|B|)/max(|A|,|B|),
// so sets whose sizes differ by more than the threshold allows are never
// compared (the sets are sorted by size, so the inner loop stops early); and
// the merge that counts the intersection gives up as soon as the remaining
// elements cannot lift it to the threshold.

// SimilarityThreshold is the Jaccard similarity at or above which two
// reports are flagged as near copies.
const SimilarityThreshold = 0.8

// shingleSize is the length of a shingle in characters.
const shingleSize = 3

// shingles returns the sorted, de-duplicated hashes of the text's shingles.
func shingles(text string) []uint64 {
	rs := make([]rune, 0, len(text)/2)
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			rs = append(rs, unicode.ToLower(r))
		}
	}
	if len(rs) == 0 {
		return nil
	}
	if len(rs) < shingleSize {
		return []uint64{hashRunes(rs)}
	}
	out := make([]uint64, 0, len(rs)-shingleSize+1)
	for i := 0; i+shingleSize <= len(rs); i++ {
		out = append(out, hashRunes(rs[i:i+shingleSize]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hashRunes is FNV-1a over the runes' code points. A collision merges two
// shingles, which can only raise a similarity by a negligible amount.
func hashRunes(rs []rune) uint64 {
	h := uint64(14695981039346656037)
	for _, r := range rs {
		for i := 0; i < 4; i++ {
			h ^= uint64(byte(r >> (8 * i)))
			h *= 1099511628211
		}
	}
	return h
}

// jaccard is |a ∩ b| / |a ∪ b| of two sorted sets; 0 when either is empty.
func jaccard(a, b []uint64) float64 {
	j, _ := jaccardAtLeast(a, b, 0)
	return j
}

// jaccardAtLeast computes the Jaccard similarity of two sorted sets, giving
// up (ok false) as soon as it cannot reach atLeast.
func jaccardAtLeast(a, b []uint64, atLeast float64) (j float64, ok bool) {
	if len(a) == 0 || len(b) == 0 {
		return 0, atLeast <= 0
	}
	total := len(a) + len(b)
	// The intersection must reach need: inter/(total-inter) ≥ atLeast. The
	// small slack keeps rounding from giving up on an exact hit.
	need := atLeast*float64(total)/(1+atLeast) - 1e-9
	inter, i, k := 0, 0, 0
	for i < len(a) && k < len(b) {
		if float64(inter+min(len(a)-i, len(b)-k)) < need {
			return 0, false
		}
		switch {
		case a[i] == b[k]:
			inter++
			i++
			k++
		case a[i] < b[k]:
			i++
		default:
			k++
		}
	}
	j = float64(inter) / float64(total-inter)
	return j, j >= atLeast
}

// Similarity is the shingled Jaccard similarity of two texts, 0..1.
func Similarity(a, b string) float64 { return jaccard(shingles(a), shingles(b)) }

// similarHit is one near copy found by nearCopies.
type similarHit struct {
	Other      int // index of the other text
	Similarity float64
}

// nearCopies compares every pair of texts whose owners differ and returns,
// for each text index, the others with similarity ≥ threshold, most similar
// first. owners[i] is the member who wrote texts[i].
func nearCopies(texts, owners []string, threshold float64) map[int][]similarHit {
	type entry struct {
		idx int
		set []uint64
	}
	es := make([]entry, 0, len(texts))
	for i, t := range texts {
		if set := shingles(t); len(set) > 0 {
			es = append(es, entry{i, set})
		}
	}
	sort.Slice(es, func(i, j int) bool { return len(es[i].set) < len(es[j].set) })
	out := map[int][]similarHit{}
	for x := range es {
		for y := x + 1; y < len(es); y++ {
			// Sizes only grow from here: once the smaller set is too small
			// for the ratio bound, no later set can qualify.
			if float64(len(es[x].set)) < threshold*float64(len(es[y].set)) {
				break
			}
			a, b := es[x], es[y]
			if owners[a.idx] == owners[b.idx] {
				continue
			}
			if j, ok := jaccardAtLeast(a.set, b.set, threshold); ok {
				out[a.idx] = append(out[a.idx], similarHit{b.idx, j})
				out[b.idx] = append(out[b.idx], similarHit{a.idx, j})
			}
		}
	}
	for _, hits := range out {
		sort.Slice(hits, func(i, j int) bool {
			if hits[i].Similarity != hits[j].Similarity {
				return hits[i].Similarity > hits[j].Similarity
			}
			return hits[i].Other < hits[j].Other
		})
	}
	return out
}
