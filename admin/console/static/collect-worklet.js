// Turns the microphone into 16 kHz mono 16-bit PCM, posted to the page in 50 ms chunks.
class PcmSender extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / 16000; // input samples per output sample (1 when the context runs at 16 kHz)
    this.acc = 0;
    this.count = 0;
    this.sum = 0;
    this.out = new Int16Array(800);
    this.n = 0;
  }

  push(value) {
    const v = Math.max(-1, Math.min(1, value));
    this.out[this.n++] = v < 0 ? v * 0x8000 : v * 0x7fff;
    if (this.n === this.out.length) {
      this.port.postMessage(this.out.buffer, [this.out.buffer]);
      this.out = new Int16Array(800);
      this.n = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    if (this.step === 1) {
      for (let i = 0; i < channel.length; i++) this.push(channel[i]);
      return true;
    }
    // averaging decimation: each output sample is the mean of the input samples it covers
    for (let i = 0; i < channel.length; i++) {
      this.sum += channel[i];
      this.count++;
      this.acc += 1;
      if (this.acc >= this.step) {
        this.push(this.sum / this.count);
        this.acc -= this.step;
        this.sum = 0;
        this.count = 0;
      }
    }
    return true;
  }
}

registerProcessor('pcm-sender', PcmSender);
