package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

func BenchmarkHasher(b *testing.B) {
	h := newHasher([]byte("0123456789abcdef0123"))
	for i := 0; i < b.N; i++ {
		h.sum("11010519491231002X")
	}
}

func BenchmarkHMACNew(b *testing.B) {
	v := []byte("11010519491231002X")
	for i := 0; i < b.N; i++ {
		m := hmac.New(sha256.New, []byte("0123456789abcdef0123"))
		m.Write(v)
		m.Sum(nil)
	}
}

func BenchmarkSHA256(b *testing.B) {
	v := []byte("11010519491231002X")
	for i := 0; i < b.N; i++ {
		sha256.Sum256(v)
	}
}

func BenchmarkHMACStd(b *testing.B) {
	h := newHMAC([]byte("0123456789abcdef0123"))
	v := []byte("11010519491231002X")
	var d [32]byte
	for i := 0; i < b.N; i++ {
		h.sum(d[:0], v)
	}
}

func BenchmarkScrubPlain(b *testing.B) {
	labels, values := []string{"申请人姓名", "身份证号", "联系电话"}, []string{"林秀英", "11010519491231002X", "13812345678"}
	for i := 0; i < b.N; i++ {
		Scrub("已电话通知", labels, values)
	}
}

func BenchmarkScrubHit(b *testing.B) {
	labels, values := []string{"申请人姓名", "身份证号", "联系电话"}, []string{"林秀英", "11010519491231002X", "13812345678"}
	for i := 0; i < b.N; i++ {
		Scrub("身份证35018119770406130X已核验", labels, values)
	}
}
