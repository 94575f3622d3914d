package queue_test

import (
	"fmt"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
)

func ExampleTaskID() {
	it := &moderation.Item{ID: "note-123", Scene: moderation.SceneNote, AuthorID: "u-42"}
	_ = it.Normalize() // revision defaults to 1
	fmt.Println(queue.TaskID(it.Key()))
	// Output: note:note-123:1
}
