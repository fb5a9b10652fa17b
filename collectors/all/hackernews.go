package all

import _ "github.com/overhear/overhear/collectors/hackernews" // register collector
