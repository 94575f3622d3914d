package queue

import (
	"github.com/trustd/trustd/moderation"
)

// DefaultStream is the Redis Stream verdict events are appended to (DESIGN §7.1).
const DefaultStream = "trustd:verdicts"

// DefaultKeyPrefix prefixes every Redis key trustd itself owns (asynq keeps its own "asynq:"
// keys).
const DefaultKeyPrefix = "trustd:"

// keys names trustd's Redis keys under one prefix.
type keys struct{ prefix string }

// published marks that the verdict.created event of an item revision was published.
func (k keys) published(key moderation.Key) string { return k.prefix + "pub:" + key.String() }

// latest holds the newest verdict of a content item (any revision) for lookups.
func (k keys) latest(scene moderation.Scene, id string) string {
	return k.prefix + "verdict:" + string(scene) + ":" + id
}
