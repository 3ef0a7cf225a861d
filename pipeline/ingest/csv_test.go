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

// byteLoopScan is the reference for the record scan: every byte through the state machine.
func byteLoopScan(data []byte) *scanResult {
	res := &scanResult{FieldCounts: map[int]int{}}
	rs := &recordScanner{res: res, line: 1, state: stRecordStart}
	rs.feed(data)
	if rs.state == stQuoted {
		res.BadQuoting = true
	}
	if rs.state != stRecordStart {
		rs.endRecord()
	}
	return res
}

func sameRecords(t *testing.T, what string, data []byte, got, want *scanResult) {
	t.Helper()
	if fmt.Sprint(got.RecordLines) != fmt.Sprint(want.RecordLines) || fmt.Sprint(got.FieldCounts) != fmt.Sprint(want.FieldCounts) || got.BadQuoting != want.BadQuoting {
		t.Fatalf("%s, input %q:\n got lines %v counts %v bad %v\nwant lines %v counts %v bad %v", what, data,
			got.RecordLines, got.FieldCounts, got.BadQuoting, want.RecordLines, want.FieldCounts, want.BadQuoting)
	}
}

// TestScanFastPath: the line-at-a-time path for quote-free text finds exactly the records the
// byte loop finds, whatever the chunk boundaries.
func TestScanFastPath(t *testing.T) {
	inputs := []string{
		"a,b,c\n1,2,3\n4,5,6\n",
		"a,b,c\r\n1,2,3\r\n\r\n\r\n4,5,6",
		"a,b\n\n,\n,,\n x\n\r\r\n\r x,\n",
		"a,b\n\"1\n2\",3\n4,5\n6,\"7\"\"\"\n8,9\n",
		"a,b\n1,2\n3\"x,4\n5,6\n",
		"a,b\n1,\"unterminated\n2,3\n4,5\n",
		"h1,h2,h3\n" + string(bytes.Repeat([]byte("华侨,QB01,2022-10-01 09:00\n"), 50)) + "x,\"y\nz\",w\n" + string(bytes.Repeat([]byte("1,2,3\r\n"), 40)),
	}
	for _, in := range inputs {
		data := []byte(in)
		want := byteLoopScan(data)
		for _, size := range []int{1, 2, 3, 5, 7, 16, 64, 1 << 20} {
			got, err := scanReader(context.Background(), bytes.NewReader(data), size, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			sameRecords(t, fmt.Sprintf("chunk %d", size), data, got, want)
		}
	}
}

// FuzzScan: the chunked scan with its fast path agrees with the byte loop on any input.
func FuzzScan(f *testing.F) {
	f.Add([]byte("a,b\n1,2\r\n\n\"x\ny\",3\n"), uint8(4))
	f.Add([]byte("a,b\n1,\"2\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		want := byteLoopScan(data)
		got, err := scanReader(context.Background(), bytes.NewReader(data), int(size)%64+1, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		sameRecords(t, fmt.Sprintf("chunk %d", int(size)%64+1), data, got, want)
	})
}
