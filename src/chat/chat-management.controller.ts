import {
  Body,
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Patch,
  PayloadTooLargeException,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { ApiAnonSession } from '../common/auth/anon-session.js';
import { Guest } from '../common/auth/access.decorators.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { writeChunks } from '../common/http/write-chunks.js';
import { ChatExportSlots } from './chat-export-slots.js';
import { Caller, type ChatCaller } from './chat-caller.js';
import { ChatSearchService } from './chat-search.service.js';
import { ChatService } from './chat.service.js';
import { ChatTransferService } from './chat-transfer.service.js';
import {
  ChatExportQueryDto,
  ChatSearchPageDto,
  ChatSearchQueryDto,
  ChatTreeExportDto,
  ImportChatDto,
  RenameChatDto,
} from './dto/chat-management.dto.js';
import { ChatResponseDto } from './dto/chat.dto.js';
import {
  CHAT_IMPORT_MAX_BYTES,
  CHAT_IMPORT_MAX_LINE_LENGTH,
  CHAT_IMPORT_MAX_LINES,
  CHAT_IMPORT_MAX_MESSAGES,
} from './sillytavern-chat.js';
import { ApiChatNotFound, ChatId } from './chat-route.decorators.js';
import { RateLimit } from '../auth/rate-limit/rate-limits.js';

/** The `file` of a chat import, at most CHAT_IMPORT_MAX_BYTES; beyond, a 413 naming the limit. */
@Injectable()
class ChatFileInterceptor extends FileInterceptor('file', {
  limits: { fileSize: CHAT_IMPORT_MAX_BYTES, files: 1 },
}) {
  override async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    try {
      return await super.intercept(context, next);
    } catch (error) {
      // Multer's error, kept as the cause, tells the file's size limit from the others.
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      if (!(error instanceof PayloadTooLargeException) || code !== 'LIMIT_FILE_SIZE') throw error;
      throw new PayloadTooLargeException(
        `The chat file is over the limit of ${CHAT_IMPORT_MAX_BYTES.toLocaleString('en')} ` +
          'bytes (5 MB)',
      );
    }
  }
}

/**
 * Managing chats: rename, search my messages, export, import. Registered before
 * ChatController, so `search` and `import` are never taken for a chat id.
 */
@ApiTags('chats')
@ApiAnonSession('Guests (no token): their session id, a UUID; required for guest chats')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('chats')
export class ChatManagementController {
  constructor(
    private readonly chats: ChatService,
    private readonly search: ChatSearchService,
    private readonly transfer: ChatTransferService,
    private readonly exportSlots: ChatExportSlots,
  ) {}

  @Get('search')
  @Guest()
  @RateLimit('chatSearch')
  @ApiOperation({
    summary: 'Find words in the messages of my chats (a guest: its own chats)',
    description:
      'Every message of every chat of mine, alternatives off the active path included, ' +
      'newest first, a page at a time (`cursor`: the `next_cursor` of the page before). ' +
      'Words match whole, in any case and any of the chat languages, without stemming. ' +
      '`q` must be 1 to 200 characters on one line (400 otherwise). 60 searches a minute ' +
      '(429 with Retry-After).',
  })
  @ApiOkResponse({ type: ChatSearchPageDto })
  find(
    @Query() query: ChatSearchQueryDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatSearchPageDto> {
    return this.search.search(query, caller);
  }

  @Post('import')
  @Guest()
  @RateLimit('chatImport')
  @UseInterceptors(ChatFileInterceptor)
  @ApiOperation({
    summary: 'Import a SillyTavern chat file (.jsonl) into a new chat with a character of mine',
    description:
      'Multipart with the file in `file` and `character_id`, or JSON `{character_id, jsonl}` ' +
      '(within the request body limit, 1 MB by default). The first line may be ' +
      "SillyTavern's header (its `user_name` becomes the chat's persona name, `create_date` " +
      'its start); each other line a message: the user’s (`is_user`), a system line ' +
      '(`is_system`, or a narrator line), else the character’s. The messages become the ' +
      "chat's story in file order; a message's `swipes` become alternatives at its place, " +
      '`swipe_id` the one shown (its text is `mes`). Limits: the file ' +
      `${CHAT_IMPORT_MAX_BYTES / 1024 / 1024} MB (413), ${CHAT_IMPORT_MAX_LINES.toLocaleString('en')} ` +
      `messages, ${CHAT_IMPORT_MAX_MESSAGES.toLocaleString('en')} messages and swipes in all, ` +
      `${CHAT_IMPORT_MAX_LINE_LENGTH.toLocaleString('en')} characters a line (400 naming the ` +
      'line and the limit). A malformed line is a 400 naming it. 30 imports an hour (429 ' +
      'with Retry-After). Guests: 403 (sign in).',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiExtraModels(ImportChatDto)
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          required: ['file', 'character_id'],
          properties: {
            file: { type: 'string', format: 'binary', description: 'A SillyTavern .jsonl chat' },
            character_id: { type: 'string', format: 'uuid' },
          },
        },
        { $ref: getSchemaPath(ImportChatDto) },
      ],
    },
  })
  @ApiCreatedResponse({ type: ChatResponseDto, description: 'The new chat' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such character of mine' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Guests: sign in to import' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is over 5 MB' })
  import(
    @UploadedFile() file: { buffer: Buffer } | undefined,
    @Body() dto: ImportChatDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatResponseDto> {
    return this.transfer.import(dto, file?.buffer, caller);
  }

  @Patch(':id')
  @Guest()
  @ApiOperation({ summary: 'Rename one of my chats' })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiChatNotFound()
  rename(
    @ChatId() id: string,
    @Body() dto: RenameChatDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatResponseDto> {
    return this.chats.rename(id, dto.title, caller);
  }

  @Get(':id/export')
  @Guest()
  @RateLimit('chatExport')
  @ApiOperation({
    summary: 'Download one of my chats: a SillyTavern chat file, or JSON with the whole tree',
    description:
      '`jsonl` (default): SillyTavern’s chat file of the active path, a header line ' +
      '(`user_name`, `character_name`, `create_date`, `chat_metadata`) then a line per message ' +
      '(`name`, `is_user`, `is_system`, `send_date`, `mes`, `extra`); a character’s message ' +
      'carries its alternatives as `swipes`, with `swipe_id` the one on the path and ' +
      '`swipe_info` their dates. Dates as SillyTavern writes them, in UTC. `json`: every ' +
      'message of every branch with its parent and whether it is on the active path ' +
      '(ChatTreeExportDto). An attachment either way, written while it is read (no ' +
      'Content-Length). Guests: 403 (sign in to export). Each instance writes a bounded number ' +
      'of chat files at once; beyond it, 503 with Retry-After.',
  })
  @ApiProduces('application/jsonl', 'application/json')
  @ApiExtraModels(ChatTreeExportDto)
  @ApiOkResponse({
    description: 'The file (Content-Disposition: attachment)',
    content: {
      'application/jsonl': { schema: { type: 'string' } },
      'application/json': { schema: { $ref: getSchemaPath(ChatTreeExportDto) } },
    },
  })
  @ApiChatNotFound()
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Guests: sign in to export' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Too many exports' })
  async export(
    @ChatId() id: string,
    @Query() query: ChatExportQueryDto,
    @Caller() caller: ChatCaller,
    @Res() res: Response,
  ): Promise<void> {
    this.exportSlots.take(res);
    const file = await this.transfer.export(id, query.format ?? 'jsonl', caller);
    res
      .status(200)
      // attachment() sets a type from the extension: the file's own comes after.
      .attachment(file.fileName)
      .type(file.contentType)
      .setHeader('Cache-Control', 'private, no-cache');
    // The slot is held until the client has taken it all (or HTTP_SEND_IDLE_TIMEOUT_MS cuts
    // a client that stopped reading).
    await writeChunks(res, file.body);
  }
}
