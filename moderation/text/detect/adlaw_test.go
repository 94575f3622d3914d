package detect

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAdLaw(t *testing.T) {
	t.Parallel()
	d := newDetector(t, Config{})
	type hit struct{ Term, Text string }
	for _, tc := range []struct {
		name string
		text string
		want []hit
	}{
		{"best", "这款是最佳选择", []hit{{"最佳", "最佳"}}},
		{"cheapest", "全店最便宜的一款", []hit{{"最便宜", "最便宜"}}},
		{"lowest price", "今天最低价入手", []hit{{"最低价", "最低价"}}},
		{"strongest", "保湿力最强", []hit{{"最强", "最强"}}},
		{"best to use", "用过最好用的洗面奶", []hit{{"最好用", "最好用"}}},
		{"variant zui", "蕞佳口感", []hit{{"最佳", "蕞佳"}}},
		{"noise inside", "最·佳搭配", []hit{{"最佳", "最·佳"}}},
		{"noise emoji", "最🔥强单品", []hit{{"最强", "最🔥强"}}},
		{"traditional", "銷量第一的面膜", []hit{{"销量第1", "銷量第一"}}},
		{"sales first", "连续三年销量第一", []hit{{"销量第1", "销量第一"}}},
		{"whole web first", "全网第①", []hit{{"全网第1", "全网第①"}}},
		{"first brand", "国货第一品牌", []hit{{"第1品牌", "第一品牌"}}},
		{"top", "口碑TOP1的精华", []hit{{"口碑top1", "口碑TOP1"}}},
		{"top spaced", "this serum is top 1 for me", []hit{{"top1", "top 1"}}},
		{"no1", "No.1 bestseller", []hit{{"no1", "No.1"}}},
		{"top grade", "顶级面料", []hit{{"顶级", "顶级"}}},
		{"national", "国家级配方", []hit{{"国家级", "国家级"}}},
		{"world class", "世界级工艺", []hit{{"世界级", "世界级"}}},
		{"100 percent", "祛痘100%有效", []hit{{"100%有效", "100%有效"}}},
		{"hundred percent words", "百分百有效果", []hit{{"百分百有效", "百分百有效"}}},
		{"cure all", "包治百病的神药", []hit{{"包治百病", "包治百病"}}},
		{"two", "最佳口碑，销量冠军", []hit{{"最佳", "最佳"}, {"销量冠军", "销量冠军"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []hit
			for _, h := range d.AdLaw("body", tc.text) {
				checkSpan(t, tc.text, h.Field, h.Start, h.End, h.Text)
				if h.Category != AdLawCategory || h.Dictionary != AdLawCategory {
					t.Errorf("hit %+v: want category and dictionary %q", h, AdLawCategory)
				}
				got = append(got, hit{h.Term, h.Text})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("AdLaw(%q) mismatch (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func TestAdLawNegatives(t *testing.T) {
	t.Parallel()
	d := newDetector(t, Config{})
	for _, text := range []string{
		"最近皮肤有点干", "最后还是退了", "最初买它是因为包装", "最终决定不买", "我最喜欢这个颜色", "最爱的一支口红",
		"最好不要空腹喝", "你最好试一下再买", "最多能放三天", "最大的缺点是贵", "最重要的是适合自己",
		"第一次用这个牌子", "第一天就到了", "第一个问题", "中国第一次登月", "第一眼就爱上了", "排名第10",
		"国家级自然保护区很美", "国家级非遗技艺", "世界级难题", "top 10 picks", "no 10 bus", "stop1", "无敌好吃",
		"极品亲戚", "首选还是它", "我是第一名到的",
	} {
		if hs := d.AdLaw("body", text); len(hs) != 0 {
			t.Errorf("AdLaw(%q) = %+v, want none", text, hs)
		}
	}
}
