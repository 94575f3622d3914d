package queue

import (
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// DefaultStream is the Redis Stream verdict events are appended to (DESIGN §7.1).
const DefaultStream = "trustd:verdicts"

// DefaultKeyPrefix prefixes every Redis key trustd itself owns (asynq keeps its own "asynq:"
// keys).
const DefaultKeyPrefix = "trustd:"

// keys names trustd's Redis keys under one prefix.
//
// On Redis Cluster the publish script touches the published marker, the stream and the latest
// verdict in one atomic step, which Redis allows only for keys of one hash slot. The stream key
// is fixed by the contract ("trustd:verdicts", no hash tag), so the other two carry the hash tag
// "{<stream>}", whose slot is the stream's own: publishing stays atomic, on the stream's node.
// On a single Redis the tag is left out and the keys are as they always were.
type keys struct{ prefix, tag string }

func newKeys(rdb redis.UniversalClient, prefix, stream string) keys {
	k := keys{prefix: prefix}
	if _, cluster := rdb.(*redis.ClusterClient); cluster {
		k.tag = "{" + stream + "}:"
	}
	return k
}

// published marks that the verdict.created event of an item revision was published.
func (k keys) published(key moderation.Key) string {
	return k.prefix + "pub:" + k.tag + key.String()
}

// latest holds the newest verdict of a content item (any revision) for lookups.
func (k keys) latest(scene moderation.Scene, id string) string {
	return k.prefix + "verdict:" + k.tag + string(scene) + ":" + id
}
