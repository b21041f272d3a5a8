"""lab's benchmark: a real `lab serve` process against load-generator processes, and the same scenario against
a minimal reference server built only on the websockets library. See docs/performance.md."""
