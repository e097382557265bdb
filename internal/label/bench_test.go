package label

import "testing"

// BenchmarkRender renders the sample label once per iteration in each
// format; ns/op is the time for one label (the target is under 5 ms for
// PNG and PDF). Run: go test ./internal/label -run '^$' -bench Render
func BenchmarkRender(b *testing.B) {
	labels := []Label{sample()}
	for _, f := range formats {
		b.Run(f.Extension()[1:], func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				out, err := Render(f, labels, Options{})
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.ReportMetric(float64(n), "bytes/label")
		})
	}
}
