// Package imagetext reads the text inside images, so that a contact put in a photo (a WeChat
// QR code, a "V: abc_123" written over a product picture) goes through the same checks as a
// caption. It has two readers: QR codes (pure Go, always on, in the image checker) and OCR
// (optional, on its own queue; see OCR).
//
// # QR codes
//
// QRReader finds a QR code in a decoded image with github.com/makiuchi-d/gozxing. The image
// checker (moderation/imagehash, Config.Codes) calls it on every image that decodes, on the
// image it already decoded for hashing, so a code costs no second download nor decode.
//
// The design is driven by cost: the checker's decode + hash of a 1080×1440 JPEG takes about
// 14 ms of CPU and the QR stage must add at most a fifth of that. So:
//
//  1. The luminance is computed once: a JPEG's Y plane is used in place, other types are
//     converted once (transparent pixels on white).
//  2. The whole image is reduced by an integer factor (box averaging) to at most
//     QRConfig.WholeSide (480) px on its longest side and decoded. A code covering 8% or more
//     of a 1080×1440 photo is read in this one pass.
//  3. Only when that pass fails but the detector saw finder-pattern candidates (the squares at
//     three corners of a code; their estimated module size comes with them) are up to
//     QRConfig.MaxCrops (3) crops tried, each centred on a candidate, spanning 48 modules on
//     every side and reduced to about 3 px per module. This reads small codes (5% of the
//     photo: about 2 px per module in the whole pass) at the cost of one small extra decode,
//     and a photo without such structures (most photos) pays for the whole pass only.
//  4. The reader stops at the first code: one contact is enough to decide. Work per image is
//     bounded: one pass of at most WholeSide² pixels, then at most MaxCrops crops, each no
//     larger than the image one reduction step finer than the whole pass.
//  5. Panics of the decoder, or of a malformed image, are recovered (ErrReaderPanic); a bad
//     image never crashes a worker.
//
// Classify sorts payloads into the moderation.Code* kinds by app scheme and host: WeChat
// contact (u.wechat.com, weixin.qq.com/r/…), group (weixin.qq.com/g/…), official account
// (mp.weixin.qq.com, weixin.qq.com/q/…), payment (wxp://), QQ (qm.qq.com, qun.qq.com,
// jq.qq.com, mqqapi://), Alipay (qr.alipay.com, alipays://), Taobao (taobao.com, tmall.com,
// tb.cn), other URLs (the WeChat and Alipay home pages among them), plain text. Contacts turns the contact kinds into moderation.Contact values on the image (type
// wechat, qq, alipay or taokouling, the payload as text and value, field
// moderation.ImageCodeField), so the policy labels the item contact / ad. Other URLs and plain
// text get no contact here: moderation.ScanImageText runs the text checks over every payload
// (URL and own-domain checks, dictionaries, contacts written in text), and does not repeat a
// contact the reader already reported for the same code.
//
// # Usage
//
//	qr := imagetext.NewQRReader(imagetext.QRConfig{})
//	checker, _ := imagehash.New(imagehash.Config{Banks: banks, Codes: qr, ...})
//	// or on its own:
//	codes, err := qr.Read(img) // []moderation.ImageCode{{Format: "qr_code", Kind: "wechat", Payload: "https://u.wechat.com/…"}}
package imagetext
