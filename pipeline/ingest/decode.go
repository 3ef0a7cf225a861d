package ingest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"runtime"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// decoderFor returns the decoder for an explicit or detected encoding ("" for UTF-8).
func decoderFor(enc string) encoding.Encoding {
	switch enc {
	case "gb18030":
		return simplifiedchinese.GB18030
	case "gbk":
		return simplifiedchinese.GBK
	}
	return nil
}

// lineOfOffset finds the 1-based line of a byte offset (for error messages).
func lineOfOffset(path string, at int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, at))
	line := int64(1)
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}

// transcodeToTemp decodes a GB18030/GBK file into a temporary UTF-8 file in dir. The file is
// cut into blocks at '\n' bytes (which never occur inside a GB18030 or GBK multi-byte
// character), decoded by one worker per core, and written in order.
func transcodeToTemp(ctx context.Context, path, dir string, enc encoding.Encoding) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, ".caseload-utf8-*.csv")
	if err != nil {
		return "", err
	}
	name := out.Name()
	err = decodeParallel(ctx, in, out, enc, runtime.GOMAXPROCS(0))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// decodeParallel decodes r to w with up to workers goroutines, keeping the order of blocks.
func decodeParallel(ctx context.Context, r io.Reader, w io.Writer, enc encoding.Encoding, workers int) error {
	const blockSize = 4 << 20
	type job struct {
		in  []byte
		out chan result
	}
	jobs := make(chan job, workers)
	order := make(chan chan result, workers*2)
	for i := 0; i < max(workers, 1); i++ {
		go func() {
			dec := enc.NewDecoder()
			for j := range jobs {
				b, err := dec.Bytes(j.in)
				j.out <- result{b, err}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		br := bufio.NewReaderSize(r, blockSize)
		var carry []byte
		for {
			if ctx.Err() != nil {
				readErr <- ctx.Err()
				return
			}
			buf := make([]byte, blockSize)
			n, err := io.ReadFull(br, buf)
			buf = append(carry, buf[:n]...)
			carry = nil
			last := err != nil
			if !last {
				if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
					carry = append([]byte(nil), buf[i+1:]...)
					buf = buf[:i+1]
				}
			}
			if len(buf) > 0 {
				ch := make(chan result, 1)
				order <- ch
				jobs <- job{in: buf, out: ch}
			}
			if last {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					err = nil
				}
				readErr <- err
				return
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 1<<20)
	var firstErr error
	for ch := range order {
		res := <-ch
		if firstErr == nil && res.err != nil {
			firstErr = res.err
		}
		if firstErr == nil {
			_, firstErr = bw.Write(res.b)
		}
	}
	if err := <-readErr; firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return firstErr
	}
	return bw.Flush()
}

type result struct {
	b   []byte
	err error
}
