"""The conversation engine and the plain values it exchanges with adapters."""
