package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
)

// hmacState computes HMAC-SHA256 with one key, reusing its state (crypto/hmac keeps the keyed
// inner and outer states after the first use, so each sum costs two SHA-256 blocks for a short
// value).
type hmacState struct{ h hash.Hash }

func newHMAC(key []byte) hmacState { return hmacState{hmac.New(sha256.New, key)} }

// sum appends HMAC-SHA256(key, msg) to dst.
func (s hmacState) sum(dst, msg []byte) []byte {
	s.h.Reset()
	s.h.Write(msg)
	return s.h.Sum(dst)
}
