package store

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// simBase is a realistic report: the near copies below are made from it.
const simBase = `本季度，我认真学习了党的二十大报告和习近平新时代中国特色社会主义思想，
按照支部学习计划，参加集中学习六次，自学《习近平谈治国理政》第四卷相关章节。
通过学习，我深刻认识到坚持和加强党的全面领导的重要意义，进一步增强了“四个意识”、
坚定了“四个自信”、做到了“两个维护”。在工作中，我注重把学习成果转化为推动工作的
实际行动，主动承担急难险重任务，认真完成各项工作。同时也存在理论学习不够系统、
联系实际不够紧密等不足。下一步，我将持续加强理论武装，做到学思用贯通、知信行统一，
以更加饱满的热情投入到工作中去。`

// simUnrelated is another member's own report on the same theme.
const simUnrelated = `今年以来，本人坚持每周抽出固定时间自学，重点研读了党章和党内法规，
并结合分管的财务工作，梳理了制度执行中的薄弱环节。参加支部组织的专题研讨时，
围绕如何提升服务群众水平作了发言。对照先进找差距，我在调查研究方面下功夫不够，
今后要多到基层一线了解情况，把问题解决在萌芽状态。`

func TestSimilarity(t *testing.T) {
	light := strings.NewReplacer("本季度", "这个季度", "认真", "努力", "，", ", ", "。", ". ", "\n", "").Replace(simBase)
	heavy := strings.NewReplacer("本季度，我认真学习了", "我在这三个月里系统研读了", "通过学习", "经过研读",
		"在工作中", "在日常岗位上", "主动承担急难险重任务", "带头攻坚克难", "同时也存在", "但我也看到",
		"下一步", "今后", "持续加强理论武装", "把学习当成习惯").Replace(simBase)
	paragraphs := strings.Split(simBase, "\n")
	reordered := strings.Join(append(append([]string{}, paragraphs[3:]...), paragraphs[:3]...), "\n")
	cases := []struct {
		name string
		a, b string
		min  float64
		max  float64
		flag bool
	}{
		{"identical", simBase, simBase, 1, 1, true},
		{"whitespace and punctuation only", simBase, strings.NewReplacer("，", " , ", "。", "!", "\n", "  ", "“", "\"", "”", "\"").Replace(simBase), 1, 1, true},
		{"a few words changed", simBase, light, 0.8, 0.99, true},
		{"paragraphs reordered", simBase, reordered, 0.9, 1, true},
		{"copied and extended by a sentence", simBase, simBase + "此外还参加了线上培训。", 0.9, 0.99, true},
		{"rewritten in places", simBase, heavy, 0.3, 0.8, false},
		{"unrelated report", simBase, simUnrelated, 0, 0.1, false},
		{"half of it", simBase, simBase[:len(simBase)/2], 0.3, 0.6, false},
		{"empty", simBase, "", 0, 0, false},
		{"both empty", "", " 。，", 0, 0, false},
		{"short texts", "学习", "学习", 1, 1, true},
		{"latin letters ignore case", "Study Hard, Work Hard", "study hard work hard", 1, 1, true},
	}
	for _, c := range cases {
		got := Similarity(c.a, c.b)
		if got < c.min || got > c.max {
			t.Errorf("%s: similarity %.3f, want in [%.2f, %.2f]", c.name, got, c.min, c.max)
		}
		if flagged := got >= SimilarityThreshold; flagged != c.flag {
			t.Errorf("%s: similarity %.3f flagged %v, want %v", c.name, got, flagged, c.flag)
		}
		if back := Similarity(c.b, c.a); back != got {
			t.Errorf("%s: not symmetric: %v vs %v", c.name, got, back)
		}
		// The pruned comparison agrees with the plain one.
		j, ok := jaccardAtLeast(shingles(c.a), shingles(c.b), SimilarityThreshold)
		if ok != (got >= SimilarityThreshold) || ok && j != got {
			t.Errorf("%s: jaccardAtLeast = %v %v, plain %v", c.name, j, ok, got)
		}
	}
}

func TestNearCopies(t *testing.T) {
	light := strings.NewReplacer("本季度", "这个季度", "认真", "努力").Replace(simBase)
	texts := []string{simBase, simUnrelated, light, simBase, "", simUnrelated + "。"}
	owners := []string{"1", "2", "3", "1", "5", "6"}
	hits := nearCopies(texts, owners, SimilarityThreshold)
	idx := func(hs []similarHit) []int {
		var out []int
		for _, h := range hs {
			out = append(out, h.Other)
		}
		return out
	}
	// 0 and 3 have the same owner: never flagged against each other.
	want := map[int][]int{0: {2}, 2: {0, 3}, 3: {2}, 1: {5}, 5: {1}}
	for i := range texts {
		got := idx(hits[i])
		if len(got) != len(want[i]) {
			t.Errorf("text %d: near copies %v, want %v", i, got, want[i])
			continue
		}
		for k := range got {
			if got[k] != want[i][k] {
				t.Errorf("text %d: near copies %v, want %v", i, got, want[i])
			}
		}
	}
}

// simRandomReport is a random "report" of n characters drawn from common
// characters, so unrelated reports share some shingles by chance.
func simRandomReport(rng *rand.Rand, n int) string {
	const pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
	rs := []rune(pool)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rs[rng.Intn(len(rs))])
		if rng.Intn(25) == 0 {
			b.WriteString("，")
		}
	}
	return b.String()
}

// simEdit replaces about frac of the characters of s at random.
func simEdit(rng *rand.Rand, s string, frac float64) string {
	rs := []rune(s)
	extra := []rune(simRandomReport(rng, len(rs)))
	for i := range rs {
		if rng.Float64() < frac {
			rs[i] = extra[i]
		}
	}
	return string(rs)
}

// TestNearCopiesScale: in a period of 400 reports of about 1,500
// characters, 20 of them near copies, exactly the copies are flagged. Its
// speed is measured by BenchmarkNearCopies, never by a timed test.
func TestNearCopiesScale(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	texts, owners := simPeriod(rng, 400, 20)
	start := time.Now()
	hits := nearCopies(texts, owners, SimilarityThreshold)
	took := time.Since(start)
	t.Logf("400 reports: %v", took)
	if len(hits) != 40 {
		t.Errorf("%d reports flagged, want 40 (20 pairs)", len(hits))
	}
	for i := 380; i < 400; i++ {
		if len(hits[i]) != 1 || hits[i][0].Other != i-380 {
			t.Errorf("copy %d: hits %v, want report %d", i, hits[i], i-380)
		}
	}
}

// simPeriod makes n reports by different members; the last copies of them
// are light edits (2% of characters changed) of the first ones.
func simPeriod(rng *rand.Rand, n, copies int) (texts, owners []string) {
	for i := 0; i < n-copies; i++ {
		texts = append(texts, simRandomReport(rng, 1200+rng.Intn(600)))
	}
	for i := 0; i < copies; i++ {
		texts = append(texts, simEdit(rng, texts[i], 0.02))
	}
	for i := range texts {
		owners = append(owners, itoaTest(i+1))
	}
	return texts, owners
}

func itoaTest(n int) string { return keyID(itob(uint64(n))) }

func BenchmarkNearCopies400(b *testing.B) {
	rng := rand.New(rand.NewSource(7))
	texts, owners := simPeriod(rng, 400, 20)
	b.ResetTimer()
	for range b.N {
		nearCopies(texts, owners, SimilarityThreshold)
	}
}
