package ingest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestDecodeParallel: block-parallel decoding gives exactly what one decoder gives, over
// several blocks, with 2- and 4-byte GB18030 sequences and lines of every length.
func TestDecodeParallel(t *testing.T) {
	var src bytes.Buffer
	for i := 0; src.Len() < 11<<20; i++ {
		fmt.Fprintf(&src, "QB%07d,华侨身份证明,2022年10月%d日 09:%02d,𠮷𡈽,%s\r\n", i, i%28+1, i%60, bytes.Repeat([]byte("侨"), i%50))
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(src.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := simplifiedchinese.GB18030.NewDecoder().Bytes(gb)
	for _, workers := range []int{1, 2, 3} {
		var got bytes.Buffer
		if err := decodeParallel(context.Background(), bytes.NewReader(gb), &got, simplifiedchinese.GB18030, workers); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) || !bytes.Equal(want, src.Bytes()) {
			t.Fatalf("workers %d: decoded text differs (%d vs %d bytes)", workers, got.Len(), len(want))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := decodeParallel(ctx, bytes.NewReader(gb), &bytes.Buffer{}, simplifiedchinese.GB18030, 2); err == nil {
		t.Error("a cancelled context must stop decoding with an error")
	}
}
