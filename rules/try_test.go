package rules
import ("testing";"github.com/trustd/trustd/moderation/text")
func BenchmarkTryFind(b *testing.B){
 s := shippedSet(b, EnginePositional)
 n := text.Normalize(benchNote)
 b.SetBytes(int64(len(benchNote)))
 b.Run("ac", func(b *testing.B){ for b.Loop() { s.dict.Find(n.Key, func(int,int,int){}) } })
 b.Run("find", func(b *testing.B){ for b.Loop() { find(s.dict, s.dictPats, n) } })
 b.Run("contacts", func(b *testing.B){ for b.Loop() { s.detector.Contacts("body", benchNote) } })
 b.Run("adlaw", func(b *testing.B){ for b.Loop() { s.detector.AdLaw("body", benchNote) } })
 c := shippedSet(b, EngineCloudflare)
 b.Run("cf", func(b *testing.B){ for b.Loop() { c.dict.Find(n.Key, func(int,int,int){}) } })
}
