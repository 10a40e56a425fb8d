package schedule

import (
	"fmt"
	"io"
	"os"

	"studyroll/schedule/forms"
)

// LoadFont reads the TrueType font of `--font FILE` and checks, by
// rendering a small sign-in sheet with Chinese text, that the PDFs can use
// it; "" means the embedded font (nil). The bytes are only ever read:
// every document works on its own copy.
func LoadFont(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	font, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--font: %w", err)
	}
	probe := forms.SignInSheet{Group: "第一党支部", Topic: "字体检查 font check", Rows: []forms.SignInRow{{Name: "张三"}}}
	if err := forms.SignInSheetPDF(io.Discard, probe, forms.Options{Font: font}); err != nil {
		return nil, fmt.Errorf("--font %s: not usable for the PDFs (want a TrueType .ttf with Chinese glyphs): %w", path, err)
	}
	return font, nil
}
