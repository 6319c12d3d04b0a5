// The audio received so far, drawn as min/max peaks on a canvas, with the playhead.
// The time axis spans at least 5 s so a stream grows from the left instead of rescaling
// on every chunk.

import { useEffect, useRef, useState } from 'react';
import { PEAKS_PER_SECOND, type WaveformPeaks } from '../audio/waveform';

const HEIGHT = 96;
const MIN_SECONDS = 5;

interface Props {
  peaks: WaveformPeaks;
  /** Changes whenever `peaks` has grown. */
  version: number;
  position: number;
}

export function Waveform({ peaks, version, position }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(600);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(100, Math.floor(entry.contentRect.width)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    const g = c?.getContext('2d');
    if (!c || !g) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(HEIGHT * dpr);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, HEIGHT);
    const mid = HEIGHT / 2;
    g.fillStyle = '#eef2f7';
    g.fillRect(0, 0, width, HEIGHT);
    g.strokeStyle = '#cbd5e1';
    g.beginPath();
    g.moveTo(0, mid);
    g.lineTo(width, mid);
    g.stroke();
    const seconds = Math.max(MIN_SECONDS, peaks.seconds);
    const pxPerPeak = width / (seconds * PEAKS_PER_SECOND);
    g.fillStyle = '#1d4ed8';
    const n = peaks.min.length;
    // One column per pixel: merge the peaks that fall into it.
    for (let x = 0; x < width; x++) {
      const from = Math.floor(x / pxPerPeak);
      const to = Math.min(n, Math.max(from + 1, Math.floor((x + 1) / pxPerPeak)));
      if (from >= n) break;
      let lo = 0;
      let hi = 0;
      for (let i = from; i < to; i++) {
        lo = Math.min(lo, peaks.min[i] ?? 0);
        hi = Math.max(hi, peaks.max[i] ?? 0);
      }
      const top = mid - hi * (mid - 2);
      const bottom = mid - lo * (mid - 2);
      g.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
    if (position > 0) {
      const x = Math.min(width - 1, (position / seconds) * width);
      g.fillStyle = '#b45309';
      g.fillRect(x, 0, 2, HEIGHT);
    }
  }, [peaks, version, position, width]);

  return (
    <div className="waveform" ref={wrap}>
      <canvas
        ref={canvas}
        style={{ width: '100%', height: HEIGHT }}
        role="img"
        aria-label={`Waveform of the audio received: ${peaks.seconds.toFixed(1)} s`}
        data-testid="waveform"
        data-seconds={peaks.seconds.toFixed(2)}
      />
    </div>
  );
}
