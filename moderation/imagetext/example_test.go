package imagetext_test

import (
	"fmt"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/trustd/trustd/moderation/imagetext"
)

func ExampleClassify() {
	for _, p := range []string{"https://u.wechat.com/EF3kJ9Wb", "https://weixin.qq.com/g/AQYAAJ", "wxp://f2f0vJ3Zq8",
		"HTTPS://QR.ALIPAY.COM/FKX01234", "https://example.com/promo", "hello"} {
		fmt.Println(imagetext.Classify(p))
	}
	// Output:
	// wechat
	// wechat_group
	// wechat_pay
	// alipay
	// url
	// text
}

func ExampleQRReader_ReadCodes() {
	// A 300×300 image holding a WeChat contact code (drawn here with gozxing's encoder).
	m, err := qrcode.NewQRCodeWriter().Encode("https://u.wechat.com/EF3kJ9Wb", gozxing.BarcodeFormat_QR_CODE, 300, 300, nil)
	if err != nil {
		panic(err)
	}
	img := image.NewGray(image.Rect(0, 0, 300, 300))
	for y := range 300 {
		for x := range 300 {
			if !m.Get(x, y) {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	codes, contacts, err := imagetext.NewQRReader(imagetext.QRConfig{}).ReadCodes(0, img)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %s\n", codes[0].Format, codes[0].Kind, codes[0].Payload)
	fmt.Printf("%s contact in %s\n", contacts[0].Type, contacts[0].Field)
	// Output:
	// qr_code wechat https://u.wechat.com/EF3kJ9Wb
	// wechat contact in image[0].code[0]
}
