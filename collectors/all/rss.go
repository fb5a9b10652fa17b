package all

import _ "github.com/overhear/overhear/collectors/rss" // register collector
