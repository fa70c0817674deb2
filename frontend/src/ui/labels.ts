/** Labels and evidence selectors in words ("glass_break" → "Glass breaking"), one map for every page:
 * the incidents list and page, the live overlay and the notices. The identifier stays what the API
 * speaks (filters, links); pages show the words and keep the identifier in a title or small code text. */

const WORDS: Record<string, string> = {
  // incident labels (the default rules)
  violence: "Violence",
  fall: "Fall",
  intrusion: "Intrusion",
  loitering: "Loitering",
  distress: "Distress",
  glass_break: "Glass breaking",
  gunshot_explosion: "Gunshot or explosion",
  alarm: "Alarm",
  crowding: "Crowding",
  // sounds (SOUND_LABELS)
  speech: "Speech",
  scream: "Scream",
  shout: "Shout",
  crying: "Crying",
  fight: "Fight",
  gunshot: "Gunshot",
  explosion: "Explosion",
  siren: "Siren",
  dog_bark: "Dog barking",
  music: "Music",
  unknown_loud: "Loud unknown sound",
  call_for_help: "Call for help",
  // actions (ACTION_LABELS) not named above
  running: "Running",
  // objects
  person: "Person",
};

/** Facial expressions (face.* evidence) as what is seen. */
const FACES: Record<string, string> = {
  angry: "Angry face",
  disgust: "Disgusted face",
  fear: "Fearful face",
  happy: "Happy face",
  sad: "Sad face",
  surprise: "Surprised face",
  neutral: "Neutral face",
};

/** Plural nouns for `object.count.*` evidence. */
const PLURALS: Record<string, string> = { person: "people" };

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A label in words; an unknown one (a custom rule's) with its underscores as spaces. */
export function labelWords(label: string): string {
  const known = WORDS[label];
  if (known !== undefined) return known;
  const spaced = label.replace(/[_-]+/g, " ").trim();
  return spaced === "" ? label : capitalise(spaced);
}

/** A rule term's selector in words: "audio.scream" → "Scream", "face.fear" → "Fearful face",
 * "object.count.person" → "Number of people". */
export function evidenceWords(selector: string): string {
  const [modality = "", ...rest] = selector.split(".");
  const name = rest.join(".");
  if (name === "") return labelWords(selector);
  if (modality === "face") return FACES[name] ?? `${capitalise(name)} face`;
  if (modality === "object" && rest[0] === "count" && rest.length > 1) {
    const thing = rest.slice(1).join(".");
    return `Number of ${PLURALS[thing] ?? `${labelWords(thing).toLowerCase()}s`}`;
  }
  return labelWords(name);
}
