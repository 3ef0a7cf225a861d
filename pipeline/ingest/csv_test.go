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
		if _, err := decodeParallel(context.Background(), bytes.NewReader(gb), &got, simplifiedchinese.GB18030, "GB18030", workers, false); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) || !bytes.Equal(want, src.Bytes()) {
			t.Fatalf("workers %d: decoded text differs (%d vs %d bytes)", workers, got.Len(), len(want))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := decodeParallel(ctx, bytes.NewReader(gb), &bytes.Buffer{}, simplifiedchinese.GB18030, "GB18030", 2, false); err == nil {
		t.Error("a cancelled context must stop decoding with an error")
	}
}

// byteLoopScan is the reference for the record scan: every byte through the state machine.
func byteLoopScan(data []byte, delim byte) *scanResult {
	res := &scanResult{FieldCounts: map[int]int{}}
	rs := newRecordScanner(res, delim)
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
	if fmt.Sprint(got.RecordLines.All()) != fmt.Sprint(want.RecordLines.All()) || fmt.Sprint(got.FieldCounts) != fmt.Sprint(want.FieldCounts) || got.BadQuoting != want.BadQuoting || got.CROnly() != want.CROnly() {
		t.Fatalf("%s, input %q:\n got lines %v counts %v bad %v cr-only %v\nwant lines %v counts %v bad %v cr-only %v", what, data,
			got.RecordLines.All(), got.FieldCounts, got.BadQuoting, got.CROnly(), want.RecordLines.All(), want.FieldCounts, want.BadQuoting, want.CROnly())
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
		for _, delim := range []byte{',', '\t'} {
			want := byteLoopScan(data, delim)
			for _, size := range []int{1, 2, 3, 5, 7, 16, 64, 1 << 20} {
				got, err := scanReader(context.Background(), bytes.NewReader(data), size, true, delim, nil)
				if err != nil {
					t.Fatal(err)
				}
				sameRecords(t, fmt.Sprintf("chunk %d, delimiter %q", size, delim), data, got, want)
			}
		}
	}
}

// FuzzScan: the chunked scan with its fast path agrees with the byte loop on any input, with
// either delimiter (the high bit of size picks tab).
func FuzzScan(f *testing.F) {
	f.Add([]byte("a,b\n1,2\r\n\n\"x\ny\",3\n"), uint8(4))
	f.Add([]byte("a,b\n1,\"2\n"), uint8(1))
	f.Add([]byte("a,b\r1,2\r\r\"x\ry\",3\r"), uint8(3))                            // CR-only
	f.Add([]byte("a,b\r1,\"2\n3\"\r4,5"), uint8(2))                                // CR-only, LF inside quotes
	f.Add([]byte("\xff\xfea\x00\tb\x00\r\x00\n\x001\x00\t\x002\x00"), uint8(0x85)) // UTF-16LE, tab
	f.Add([]byte("\xfe\xff\x00a\x00,\x00b\x00\r\x00\"\x00\n"), uint8(7))           // UTF-16BE
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		delim := byte(',')
		if size&0x80 != 0 {
			delim = '\t'
		}
		want := byteLoopScan(data, delim)
		got, err := scanReader(context.Background(), bytes.NewReader(data), int(size)%64+1, true, delim, nil)
		if err != nil {
			t.Fatal(err)
		}
		sameRecords(t, fmt.Sprintf("chunk %d, delimiter %q", int(size)%64+1, delim), data, got, want)
	})
}

// TestRecordLines: the compact list of record lines answers as the plain slice would, for
// consecutive lines, a gap at the start, in the middle and at the end.
func TestRecordLines(t *testing.T) {
	for _, want := range [][]int32{
		nil, {1}, {5}, {1, 2, 3, 4}, {2, 3, 4}, {1, 3, 4, 5}, {1, 2, 3, 7}, {1, 2, 4, 5, 9, 10, 11},
	} {
		var r recordLines
		for _, l := range want {
			r.add(l)
		}
		if r.Len() != len(want) || fmt.Sprint(r.All()) != fmt.Sprint(append([]int32{}, want...)) {
			t.Errorf("%v: Len %d, All %v", want, r.Len(), r.All())
		}
		for i := range want {
			if r.At(i) != want[i] {
				t.Errorf("%v: At(%d) = %d", want, i, r.At(i))
			}
			consecutive := true
			for j := i + 1; j < len(want); j++ {
				consecutive = consecutive && want[j] == want[j-1]+1
			}
			if got := r.consecutiveFrom(i); got != consecutive {
				t.Errorf("%v: consecutiveFrom(%d) = %v, want %v", want, i, got, consecutive)
			}
		}
	}
}

// All is every record's line (for comparisons in tests).
func (r *recordLines) All() []int32 {
	out := make([]int32, r.n)
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}
