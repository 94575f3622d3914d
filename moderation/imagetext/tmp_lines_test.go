package imagetext
import "testing"
func TestTmpLines(t *testing.T) {
	for _, c := range ocrCases(t, 24) {
		p := CheckText(c.Image)
		in := -1
		for i, r := range p.Lines { if c.Box.In(r) { in = i } }
		var hs []int
		for _, r := range p.Lines { hs = append(hs, r.Dy()) }
		t.Logf("%s box %v in line %d; %d lines heights %v; %d bands", c.Name, c.Box, in, len(p.Lines), hs, len(p.Regions))
	}
}
