package queue

// growStack makes the calling goroutine's stack large enough for a whole moderation task in
// one step. asynq runs every task on a new goroutine, whose stack starts small (about the
// average of all goroutines, most of them tiny) and then doubles, copying itself each time,
// as JSON decoding, text scanning and the Redis client go deeper: that copying cost about 8 %
// of the worker's CPU per item (profiled with `trustd bench`). Touching one large frame
// first moves the stack straight to its final size while it is still almost empty, so the
// only copy is of a few hundred bytes.
//
//go:noinline
func growStack() {
	var buf [growStackBytes]byte
	useStack(buf[:])
}

// growStackBytes is the frame growStack puts on the stack: the runtime then doubles the stack
// until it fits, to 32 KiB, which a comment's or note's task does not outgrow.
const growStackBytes = 8 << 10

// useStack keeps buf (and so growStack's frame) from being optimised away.
//
//go:noinline
func useStack(buf []byte) { _ = buf[len(buf)-1] }
