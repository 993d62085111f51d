// Parley capture worklet: runs on the audio rendering thread.
//
// Mixes the input down to mono and posts it to the main thread in blocks of `blockSize` samples
// (a Float32Array each, its buffer transferred, not copied). Posting every 128-sample render
// quantum would mean ~375 messages a second; blocks of 1024 keep it near 45 while the level meter
// still moves smoothly. The main thread batches blocks into 100 ms frames for the socket.
//
// The node writes nothing to its output (outputs are zero-filled), so connecting it to the
// destination, which keeps it pulled by the graph in every browser, plays silence.

class ParleyCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const size = options && options.processorOptions && options.processorOptions.blockSize;
    this.blockSize = Number.isInteger(size) && size > 0 ? size : 1024;
    this.block = new Float32Array(this.blockSize);
    this.filled = 0;
    this.port.onmessage = (event) => {
      // 'flush' posts what is buffered, so stopping loses at most nothing but the current quantum.
      if (event.data === 'flush') this.flush();
    };
  }

  flush() {
    if (this.filled === 0) return;
    const out = this.block.slice(0, this.filled);
    this.port.postMessage(out, [out.buffer]);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0];
    // No channels: the source is not connected (yet) or has ended. Keep the processor alive.
    if (!input || input.length === 0) return true;

    const channels = input.length;
    const frames = input[0].length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += input[c][i];
      this.block[this.filled++] = channels === 1 ? sum : sum / channels;
      if (this.filled === this.blockSize) {
        const out = this.block;
        this.port.postMessage(out, [out.buffer]);
        this.block = new Float32Array(this.blockSize);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('parley-capture', ParleyCapture);
