import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { imageToDataUrl } from './image.js';

/**
 * The messages of one exchange with a model, in order. The interface appends the model's replies,
 * tool calls and tool results as it goes, so the same conversation can be continued.
 */
export class Conversation {
  private readonly history: ChatCompletionMessageParam[] = [];

  /** `imageMaxSide`: images are downscaled to this longer side before they are attached. */
  constructor(private readonly imageMaxSide: number) {}

  get messages(): readonly ChatCompletionMessageParam[] {
    return this.history;
  }

  system(text: string): this {
    return this.append({ role: 'system', content: text });
  }

  user(text: string): this {
    return this.append({ role: 'user', content: text });
  }

  assistant(text: string): this {
    return this.append({ role: 'assistant', content: text });
  }

  /** A user turn with images (bytes or file paths), sent inline as data URLs after the text. */
  async userWithImages(text: string, images: ReadonlyArray<Buffer | string>): Promise<this> {
    const parts: ChatCompletionContentPart[] = [{ type: 'text', text }];
    for (const image of images) {
      parts.push({ type: 'image_url', image_url: { url: await imageToDataUrl(image, this.imageMaxSide) } });
    }
    return this.append({ role: 'user', content: parts });
  }

  append(message: ChatCompletionMessageParam): this {
    this.history.push(message);
    return this;
  }
}
