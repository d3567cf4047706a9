import sharp from 'sharp';
import type { StarterCharacter } from './starter-characters.data.js';

const SIZE = 512;

/**
 * The starters' pictures as SVG scenes: shapes and gradients only, no text (so no font is
 * needed) and nothing fetched. Rendered to PNG at seeding time, then stored through the avatar
 * storage like any upload.
 */
const SCENES: Record<StarterCharacter['avatar'], string> = {
  airship: `
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#2b4c7e"/><stop offset="0.6" stop-color="#f29e4c"/>
        <stop offset="1" stop-color="#f6d186"/>
      </linearGradient>
    </defs>
    <rect width="512" height="512" fill="url(#sky)"/>
    <ellipse cx="110" cy="420" rx="120" ry="28" fill="#fff" opacity="0.7"/>
    <ellipse cx="420" cy="380" rx="110" ry="24" fill="#fff" opacity="0.6"/>
    <path d="M60 470 L150 440 L230 470 Z" fill="#5b6b3a"/>
    <ellipse cx="256" cy="190" rx="170" ry="70" fill="#b5523b"/>
    <ellipse cx="256" cy="175" rx="150" ry="38" fill="#d9794f" opacity="0.7"/>
    <path d="M420 190 L470 150 L470 230 Z" fill="#8e3b2a"/>
    <line x1="170" y1="245" x2="200" y2="300" stroke="#3b2a20" stroke-width="5"/>
    <line x1="342" y1="245" x2="312" y2="300" stroke="#3b2a20" stroke-width="5"/>
    <rect x="190" y="298" width="132" height="42" rx="10" fill="#6b4a2b"/>
    <circle cx="226" cy="318" r="8" fill="#f6d186"/><circle cx="256" cy="318" r="8" fill="#f6d186"/>
    <circle cx="286" cy="318" r="8" fill="#f6d186"/>`,
  library: `
    <defs>
      <radialGradient id="lamp" cx="0.5" cy="0.45" r="0.5">
        <stop offset="0" stop-color="#ffd98a"/><stop offset="1" stop-color="#1d2440" stop-opacity="0"/>
      </radialGradient>
    </defs>
    <rect width="512" height="512" fill="#1d2440"/>
    <rect x="30" y="40" width="150" height="440" fill="#3a2c25"/>
    <rect x="332" y="40" width="150" height="440" fill="#3a2c25"/>
    ${[90, 190, 290, 390]
      .map(
        (y) =>
          `<rect x="40" y="${y}" width="130" height="70" fill="#7a3b3b"/>` +
          `<rect x="70" y="${y}" width="22" height="70" fill="#2f5d62"/>` +
          `<rect x="120" y="${y + 10}" width="18" height="60" fill="#c9a227"/>` +
          `<rect x="342" y="${y}" width="130" height="70" fill="#2f5d62"/>` +
          `<rect x="380" y="${y}" width="20" height="70" fill="#a44a3f"/>` +
          `<rect x="430" y="${y + 15}" width="24" height="55" fill="#e0c097"/>`,
      )
      .join('')}
    <circle cx="256" cy="230" r="200" fill="url(#lamp)"/>
    <rect x="246" y="230" width="20" height="120" fill="#2a2a2a"/>
    <path d="M216 230 L296 230 L276 180 L236 180 Z" fill="#c9a227"/>
    <circle cx="256" cy="240" r="16" fill="#fff3c4"/>
    <rect x="176" y="350" width="160" height="20" fill="#5a4030"/>
    <path d="M200 350 L240 330 L300 345 L290 350 Z" fill="#f4efe1"/>`,
  lighthouse: `
    <defs>
      <linearGradient id="night" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#0b1a2e"/><stop offset="1" stop-color="#23405c"/>
      </linearGradient>
    </defs>
    <rect width="512" height="512" fill="url(#night)"/>
    <circle cx="420" cy="80" r="30" fill="#e8e4d0"/>
    <path d="M256 120 L0 60 L0 180 Z" fill="#fff3b0" opacity="0.35"/>
    <path d="M256 120 L512 170 L512 250 Z" fill="#fff3b0" opacity="0.25"/>
    <path d="M120 512 L170 300 L340 300 L400 512 Z" fill="#2e2b26"/>
    <path d="M226 300 L236 140 L276 140 L286 300 Z" fill="#e9e4da"/>
    <rect x="231" y="190" width="50" height="18" fill="#b5402f"/>
    <rect x="229" y="245" width="54" height="18" fill="#b5402f"/>
    <rect x="228" y="100" width="56" height="42" fill="#fff3b0"/>
    <path d="M222 100 L256 70 L290 100 Z" fill="#b5402f"/>
    <rect x="0" y="430" width="512" height="82" fill="#16324f" opacity="0.9"/>
    <path d="M0 440 Q40 425 80 440 T160 440 T240 440 T320 440 T400 440 T480 440 T560 440"
      stroke="#5b89b5" stroke-width="4" fill="none"/>`,
};

/** A starter's avatar as a PNG. */
export function renderStarterAvatar(scene: StarterCharacter['avatar']): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">${SCENES[scene]}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
