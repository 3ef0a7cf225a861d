package gen

import (
	"math/rand/v2"
	"strconv"
)

// PIIHeader are the columns Options.PII adds after the §4.1 fields: personal data as clerks'
// exports carry it, synthetic (names from common surnames and given-name characters, resident
// ID numbers of Fuqing's region codes with right check digits, mobile numbers), and a remark
// that sometimes repeats the applicant's name, ID number or phone — what the personal-data
// rules of a pull must not keep in the clear (issue 12).
var PIIHeader = []string{"申请人姓名", "身份证号", "联系电话", "备注"}

// piiGen makes the personal-data columns of one file. Applicants come from a pool a third the
// size of the file, so that the same person has several cases; each person's values are a
// function of the seed and their number, and the choice of person and remark comes from a
// random stream of its own, so the §4.1 columns are the same with or without PII.
type piiGen struct {
	rng  *rand.Rand
	seed uint64
	pool uint64
	id   [18]byte
}

func newPIIGen(seed uint64, cases int) *piiGen {
	return &piiGen{rng: rand.New(rand.NewPCG(seed^0x5049492d636f6c73, seed+1)), seed: seed, pool: uint64(max(1, cases/3))}
}

var (
	piiSurnames = []rune("林陈黄郑王李张吴刘翁何杨施俞游薛")
	piiGiven    = []rune("秀英明华丽芳建国志强美玲文杰海燕金水春梅德福永辉")
	piiRegions  = []string{"350181", "350102", "350103", "350104", "350105", "350121", "350122", "350128"}
	piiRemarks  = []string{"补交材料", "材料齐全", "已电话通知", "待核实", "委托代办", "邮寄送达"}
)

// splitmix is a 64-bit mixing function (SplitMix64's finaliser).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// person returns the name, ID number and mobile number of applicant n.
func (p *piiGen) person(n uint64) (name []rune, id string, phone string) {
	h := splitmix(p.seed ^ n*0x2545f4914f6cdd1d)
	name = []rune{piiSurnames[h%uint64(len(piiSurnames))], piiGiven[(h>>8)%uint64(len(piiGiven))]}
	if h>>16&1 == 1 {
		name = append(name, piiGiven[(h>>20)%uint64(len(piiGiven))])
	}
	b := p.id[:0]
	b = append(b, piiRegions[(h>>28)%uint64(len(piiRegions))]...)
	day := int64((h >> 32) % 27000) // 1935-01-01 + up to ~74 years
	y, m, d := civilFromDays(daysFromCivil(1935, 1, 1) + day)
	b = append2(append2(append4(b, y), m), d)
	seq := (h >> 48) % 1000
	b = append(b, byte('0'+seq/100), byte('0'+seq/10%10), byte('0'+seq%10))
	b = append(b, idCheckDigit(b))
	h2 := splitmix(h)
	phone = "1" + string(rune('3'+h2%7)) + strconv.FormatUint(100000000+(h2>>8)%900000000, 10)
	return name, string(b), phone
}

// idCheckDigit is the GB 11643-1999 check digit of 17 digits.
func idCheckDigit(first17 []byte) byte {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

// appendRow appends ",name,id,phone,remark" for the next case.
func (p *piiGen) appendRow(b []byte) []byte {
	name, id, phone := p.person(p.rng.Uint64N(p.pool))
	b = append(b, ',')
	b = append(b, string(name)...)
	b = append(b, ',')
	b = append(b, id...)
	b = append(b, ',')
	b = append(b, phone...)
	b = append(b, ',')
	switch r := p.rng.IntN(100); {
	case r < 60:
	case r < 85:
		b = append(b, piiRemarks[r%len(piiRemarks)]...)
	case r < 92:
		b = append(b, "申请人"...)
		b = append(b, string(name)...)
		b = append(b, "补交材料"...)
	case r < 96:
		b = append(b, "身份证"...)
		b = append(b, id...)
		b = append(b, "已核验"...)
	default:
		b = append(b, "联系电话"...)
		b = append(b, phone...)
		b = append(b, "已通知"...)
	}
	return b
}
